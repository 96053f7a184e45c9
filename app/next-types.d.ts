// The type references of the generated, git-ignored next-env.d.ts, committed so a fresh clone type-checks before any
// `next build`/`next typegen` (CSS and image imports, Next's JSX and route globals). Route types (PageProps<"/x">,
// LayoutProps, the page-export validator) come from .next/types, which `npm run typecheck` regenerates first.
/// <reference types="next" />
/// <reference types="next/image-types/global" />
