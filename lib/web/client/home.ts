/**
 * The home page's only script (about 4 KB gzipped): the page is server-rendered HTML that works without it, and the
 * front server (lib/web/static-home.ts) sends it instead of the React runtime. It makes times local, shows the day
 * bars' tooltips, and keeps the page live.
 */
import { installDayTips, makeBarsFocusable } from "@/lib/web/client/day-tips";
import { installLive } from "@/lib/web/client/live";
import { localizeTimes } from "@/lib/web/client/local-time";

localizeTimes(document);
installDayTips();
installLive({
  onSwap: (fresh) => {
    localizeTimes(fresh);
    makeBarsFocusable(fresh);
  },
});
