import { defineConfig } from "drizzle-kit";

// Only used by `drizzle-kit generate`; the app opens its database through db/client.ts.
export default defineConfig({
  dialect: "sqlite",
  schema: "./db/schema.ts",
  out: "./db/migrations",
});
