// Types for scripts/system-deps.mjs, which the TypeScript test and sandbox code import.
export function findRadicale(): string | undefined;
export function findChromium(): string | undefined;
