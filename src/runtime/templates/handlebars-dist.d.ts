/**
 * handlebars' one-file build, the same compiler and runtime as its main
 * module (`lib/index.js`): the engine imports it because node loads the
 * main module as ~40 CommonJS files, the `source-map` package among them
 * (used only by precompiling with source maps, which tsgate never does),
 * and keeps each file's source, wrapper and module record for the life of
 * every worker. Typed as the main module: it exports the same object.
 */
declare module 'handlebars/dist/handlebars.js' {
  import Handlebars from 'handlebars';
  export default Handlebars;
}
