// @ts-check
/** What both hello-world servers answer, so they send the same bytes. */
export const BODY_TEXT = 'Hello, world!\n';
export const CONTENT_TYPE = 'text/plain';
