// CLI entry: `tsx sandbox/main.ts` serves the sandbox on 127.0.0.1:8788 (or $SANDBOX_PORT) and the iCloud partition host on
// $SANDBOX_PARTITION_PORT (default a free port), with a Radicale behind /icloud when installed. With $SANDBOX_STATE_DIR
// its state and Radicale's storage live in that folder and the next start comes back as this one left off.
import { rename } from "node:fs/promises";
import { join } from "node:path";
import type { AutoSave, RestoreSummary, Snapshot } from "./persistence";
import { autoSave, readSnapshot, restoreSnapshot } from "./persistence";
import type { Radicale } from "./radicale";
import { findRadicale, startRadicale } from "./radicale";
import { createSandbox } from "./server";
import type { SandboxOptions } from "./server";

/** Often enough that a crash loses little; a save only writes when the state changed. */
const AUTOSAVE_EVERY_MS = 2000;
/** A stop that has not finished by then (a hung socket, a stuck Radicale) exits anyway. */
const STOP_DEADLINE_MS = 15_000;

function message(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** Radicale on $RADICALE_PORT (default: a free port), or undefined when it is not installed or fails to start. */
async function maybeRadicale(dir: string | undefined): Promise<Radicale | undefined> {
	if (findRadicale() === undefined) {
		console.log("radicale is not installed (apt-get install radicale): the iCloud CalDAV stand-in is off");
		return undefined;
	}
	try {
		return await startRadicale({ port: Number(process.env.RADICALE_PORT ?? 0), ...(dir === undefined ? {} : { dir }) });
	} catch (error) {
		console.error(`radicale failed to start, the iCloud CalDAV stand-in is off: ${message(error)}`);
		return undefined;
	}
}

/** A state file that cannot be restored is kept for a look under another name, not saved over. */
async function setAside(file: string, error: unknown): Promise<void> {
	const aside = `${file}.unreadable-${Date.now()}`;
	await rename(file, aside).catch(() => undefined);
	console.error(`sandbox state not restored (${message(error)}); moved to ${aside}, starting empty`);
}

/** The saved state, or undefined when there is none or it cannot be read. */
async function loadSnapshot(file: string): Promise<Snapshot | undefined> {
	try {
		return await readSnapshot(file);
	} catch (error) {
		await setAside(file, error);
		return undefined;
	}
}

async function main(): Promise<void> {
	// Listen for signals before anything starts: a Ctrl+C during start-up (Radicale up, ports not yet) must
	// not kill the process uncleanly; it stops everything as soon as there is everything to stop.
	let stopWhenStarted = false;
	let stopNow: (() => void) | undefined;
	const onSignal = (): void => {
		if (stopNow === undefined) stopWhenStarted = true;
		else stopNow();
	};
	process.on("SIGINT", onSignal);
	process.on("SIGTERM", onSignal);
	const port = Number(process.env.SANDBOX_PORT ?? 8788);
	const stateDir = process.env.SANDBOX_STATE_DIR === "" ? undefined : process.env.SANDBOX_STATE_DIR;
	const stateFile = stateDir === undefined ? undefined : join(stateDir, "sandbox.json");
	const radicale = await maybeRadicale(stateDir === undefined ? undefined : join(stateDir, "radicale"));
	const snapshot = stateFile === undefined ? undefined : await loadSnapshot(stateFile);
	const options: SandboxOptions = { port, partitionPort: Number(process.env.SANDBOX_PARTITION_PORT ?? 0) };
	if (process.env.SANDBOX_PUBLIC_URL !== undefined) options.publicUrl = process.env.SANDBOX_PUBLIC_URL;
	if (process.env.SANDBOX_PARTITION_PUBLIC_URL !== undefined) options.partitionPublicUrl = process.env.SANDBOX_PARTITION_PUBLIC_URL;
	if (radicale !== undefined) options.caldavUpstream = radicale;
	let restored: RestoreSummary | undefined;
	options.prepare = async (state): Promise<void> => {
		if (snapshot === undefined || stateFile === undefined) return;
		try {
			restored = restoreSnapshot(state, snapshot);
		} catch (error) {
			// restoreSnapshot has left the state empty.
			await setAside(stateFile, error);
		}
	};
	const sandbox = await createSandbox(options);
	console.log(`Slotline provider sandbox on ${sandbox.url} (public URL ${sandbox.state.publicUrl})`);
	if (radicale !== undefined) {
		console.log(`Radicale (CalDAV) on ${radicale.url}; iCloud stand-in at ${sandbox.state.publicUrl}/icloud/.well-known/caldav, partition host ${sandbox.partitionUrl}`);
	}
	let saver: AutoSave | undefined;
	if (stateFile !== undefined) {
		console.log(restored === undefined ? `sandbox state: none yet in ${stateFile}` : `sandbox state restored from ${stateFile} (${restored.users} users, ${restored.calendars} calendars, ${restored.icloudAccounts} iCloud accounts)`);
		saver = autoSave(sandbox.state, stateFile, AUTOSAVE_EVERY_MS, (error) => console.error(`sandbox: could not save state to ${stateFile}: ${message(error)}`));
	}

	// Ports first, so no request changes the state after the last save; each step runs even when one before failed.
	const steps: Array<[string, () => Promise<void> | undefined]> = [
		["closing the ports", () => sandbox.close()],
		["saving the state", () => saver?.stop()],
		["stopping radicale", () => radicale?.close()],
	];
	async function shutdown(): Promise<number> {
		let code = 0;
		for (const [what, step] of steps) {
			try {
				await step();
			} catch (error) {
				console.error(`sandbox: ${what} failed: ${message(error)}`);
				code = 1;
			}
		}
		return code;
	}
	// Ctrl+C reaches the whole process group and the start script then sends SIGTERM: the first signal stops, later ones wait for it.
	let stopping = false;
	const stop = (): void => {
		if (stopping) return;
		stopping = true;
		setTimeout(() => {
			console.error(`sandbox: stop took over ${STOP_DEADLINE_MS / 1000} s, exiting`);
			process.exit(1);
		}, STOP_DEADLINE_MS).unref();
		void shutdown().then((code) => process.exit(code));
	};
	stopNow = stop;
	if (stopWhenStarted) stop();
}

await main();
