// Types for scripts/sandbox-endpoints.mjs, which the TypeScript test setup imports.
/** Worker variable name → its value when the Worker runs against the sandbox at `sandboxUrl`. */
export function sandboxEndpoints(sandboxUrl: string): Record<string, string>;
