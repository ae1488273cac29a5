// CLI entry: `tsx sandbox/main.ts` serves the sandbox on 127.0.0.1:8788 (or $SANDBOX_PORT) and the iCloud partition host on
// $SANDBOX_PARTITION_PORT (default a free port), with a Radicale behind /icloud when installed.
import type { Radicale } from "./radicale";
import { findRadicale, startRadicale } from "./radicale";
import { createSandbox } from "./server";
import type { SandboxOptions } from "./server";

/** Radicale on $RADICALE_PORT (default: a free port), or undefined when it is not installed or fails to start. */
async function maybeRadicale(): Promise<Radicale | undefined> {
	if (findRadicale() === undefined) {
		console.log("radicale is not installed (apt-get install radicale): the iCloud CalDAV stand-in is off");
		return undefined;
	}
	try {
		return await startRadicale({ port: Number(process.env.RADICALE_PORT ?? 0) });
	} catch (error) {
		console.error(`radicale failed to start, the iCloud CalDAV stand-in is off: ${error instanceof Error ? error.message : String(error)}`);
		return undefined;
	}
}

async function main(): Promise<void> {
	const port = Number(process.env.SANDBOX_PORT ?? 8788);
	const radicale = await maybeRadicale();
	const options: SandboxOptions = { port, partitionPort: Number(process.env.SANDBOX_PARTITION_PORT ?? 0) };
	if (process.env.SANDBOX_PUBLIC_URL !== undefined) options.publicUrl = process.env.SANDBOX_PUBLIC_URL;
	if (process.env.SANDBOX_PARTITION_PUBLIC_URL !== undefined) options.partitionPublicUrl = process.env.SANDBOX_PARTITION_PUBLIC_URL;
	if (radicale !== undefined) options.caldavUpstream = radicale;
	const sandbox = await createSandbox(options);
	console.log(`Slotline provider sandbox on ${sandbox.url} (public URL ${sandbox.state.publicUrl})`);
	if (radicale !== undefined) {
		console.log(`Radicale (CalDAV) on ${radicale.url}; iCloud stand-in at ${sandbox.state.publicUrl}/icloud/.well-known/caldav, partition host ${sandbox.partitionUrl}`);
	}
	const stop = (): void => {
		void Promise.all([sandbox.close(), radicale?.close()]).then(() => process.exit(0));
	};
	process.on("SIGINT", stop);
	process.on("SIGTERM", stop);
}

await main();
