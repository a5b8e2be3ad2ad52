// standardwebhooks' declarations name Node's Buffer. The SDK also runs in browsers (no @types/node):
// here it is just bytes. Not emitted: no declaration the SDK ships refers to it.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
interface Buffer extends Uint8Array {}
