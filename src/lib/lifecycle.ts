// Process-wide state that readiness reports: set when SIGTERM starts a graceful shutdown.
let shuttingDown = false;

export function markShuttingDown(): void {
  shuttingDown = true;
}

export function isShuttingDown(): boolean {
  return shuttingDown;
}
