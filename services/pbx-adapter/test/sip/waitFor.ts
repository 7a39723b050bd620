// Bounded poll for conditions that have no event: fails with an error naming what it waited for.
export const waitFor = async (condition: () => boolean, what: string, timeoutMs = 3000, intervalMs = 5): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, intervalMs));
  }
};
