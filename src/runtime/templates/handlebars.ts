/**
 * The one place the runtime reaches handlebars' code; the engine imports it
 * from here.
 *
 * handlebars' one-file build (`dist/handlebars.js`: its compiler and runtime,
 * the same object its main module exports), not its main module, which node
 * loads as 44 CommonJS files with inline source maps, the `source-map`
 * package among them (used only to precompile with source maps, which
 * tsgate never does). The build (scripts/build.js) then replaces this file's
 * compiled JavaScript with that file bundled in, so that its one `—` is
 * escaped like the rest of the runtime's: V8 would keep its 216 k characters
 * two bytes each in every worker. Measured in a generated project's idle
 * worker (node 20): V8's heap used 14.5 → 12.9 MB with the one-file build.
 *
 * A project's own `import Handlebars from 'handlebars'` is another copy; the
 * two understand each other's SafeString (handlebars escapes by `toHTML`).
 */
import handlebars from 'handlebars/dist/handlebars.js';

export default handlebars;
