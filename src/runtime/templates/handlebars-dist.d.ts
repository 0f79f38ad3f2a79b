/** handlebars' one-file build (handlebars.ts says why it is used): typed as its main module, which exports the same object. */
declare module 'handlebars/dist/handlebars.js' {
  import Handlebars from 'handlebars';
  export default Handlebars;
}
