/**
 * A failure the user can act on: printed without a stack, with an exit code
 * (1 failure, 2 bad usage, 130 cancelled at a prompt or interrupted).
 */
export class CreateError extends Error {
  override name = 'CreateError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 | 130 = 1,
  ) {
    super(message);
  }
}
