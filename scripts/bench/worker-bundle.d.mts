// Types for scripts/bench/worker-bundle.mjs, which test/repo/startup-bundle.test.ts imports.

/** The parts of esbuild's metafile read here. */
export interface Metafile {
	inputs: Record<string, { bytes: number; imports: Array<{ path: string; kind: string; external?: boolean }> }>;
	outputs: Record<string, { bytes: number; inputs?: Record<string, { bytesInOutput: number }> }>;
}

export interface WorkerBundle {
	path: string;
	bytes: Uint8Array;
	metafile: Metafile;
	dispose(): void;
}

export function buildWorkerBundle(): WorkerBundle;
export function eagerInputs(metafile: Metafile, entry?: string): Map<string, string | null>;
export function bytesInOutput(metafile: Metafile): Map<string, number>;
