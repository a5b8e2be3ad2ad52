// Process-wide state that readiness reports: set when SIGTERM starts a graceful shutdown.
let shuttingDown = false;

export function markShuttingDown(): void {
  shuttingDown = true;
}

export function isShuttingDown(): boolean {
  return shuttingDown;
}

// Set when SHUTDOWN_TIMEOUT_MS ran out and the remaining connections were cut: a request still
// running then has no client to answer, so its transaction must not commit.
let connectionsCut = false;

export function markConnectionsCut(): void {
  connectionsCut = true;
}

export function areConnectionsCut(): boolean {
  return connectionsCut;
}
