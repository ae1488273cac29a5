// CLI entry: `tsx sandbox/main.ts` serves the sandbox on 127.0.0.1:8788 (or $SANDBOX_PORT).
import { createSandbox } from "./server";

async function main(): Promise<void> {
	const port = Number(process.env.SANDBOX_PORT ?? 8788);
	const options = process.env.SANDBOX_PUBLIC_URL === undefined ? { port } : { port, publicUrl: process.env.SANDBOX_PUBLIC_URL };
	const sandbox = await createSandbox(options);
	console.log(`Slotline provider sandbox on ${sandbox.url} (public URL ${sandbox.state.publicUrl})`);
	const stop = (): void => {
		void sandbox.close().then(() => process.exit(0));
	};
	process.on("SIGINT", stop);
	process.on("SIGTERM", stop);
}

await main();
