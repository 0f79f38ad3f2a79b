/** A bad server option or value, named as the user typed it: exit code 2, no stack. */
export class OptionError extends Error {
  override name = 'OptionError';
}

/**
 * The app could not be loaded for a reason the user can fix (bad settings, a
 * wrong app spec): the primary prints the message alone, without a stack.
 */
export class BootError extends Error {
  override name = 'BootError';
}
