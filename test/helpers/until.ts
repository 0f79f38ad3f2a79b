/**
 * Polls until `check` holds, for what a test can only observe from outside
 * (a worker replaced, a span exported, a counter scraped): no event to wait
 * on, so it asks again every 100 ms and fails naming `what` at the deadline.
 */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
