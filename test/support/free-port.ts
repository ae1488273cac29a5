// For Node-side tests and setups (sandbox, browser, start script): ports nothing listens on right now, for
// servers that are started by another process and so cannot be given port 0.
//
// Two things made "free" ports collide, and this avoids both:
// - Asking the kernel for port 0 twice can give the same port twice once the first is closed (about 1 in
//   10,000 pairs here; CI once gave `npm start` the same port for the app and the sandbox). So every port
//   of one call is held open until all are chosen, which makes them distinct.
// - A port from the kernel's ephemeral range can be taken, between our check and the child's bind, by any
//   process's outgoing connection; the suites run workerd, Chromium and Radicale side by side, which open
//   many. So ports come from below that range, where the kernel never hands out a port by itself.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import type { Server } from "node:net";

/** Below this no port is tried: well-known and registered services cluster there. */
const LOWEST = 10_000;

/** The first port the kernel hands out by itself (Linux), or undefined where that cannot be read. */
function ephemeralStart(): number | undefined {
	try {
		const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
		return Number.isInteger(low) && low > LOWEST + 1000 ? low : undefined;
	} catch {
		return undefined;
	}
}

function listen(port: number): Promise<Server | undefined> {
	return new Promise((resolve) => {
		const server = createServer();
		server.once("error", () => resolve(undefined));
		server.listen(port, "127.0.0.1", () => resolve(server));
	});
}

/** A distinct port for each name, each free on 127.0.0.1 when this returns. */
export async function freePorts<Name extends string>(names: readonly Name[]): Promise<Record<Name, number>> {
	const below = ephemeralStart();
	const held: Server[] = [];
	try {
		for (let tries = 0; held.length < names.length; tries++) {
			if (tries > names.length * 50) throw new Error(`no ${names.length} free ports found`);
			const candidate = below === undefined ? 0 : LOWEST + Math.floor(Math.random() * (below - LOWEST));
			const server = await listen(candidate);
			if (server) held.push(server);
		}
		return Object.fromEntries(names.map((name, i) => [name, (held[i]?.address() as { port: number }).port])) as Record<Name, number>;
	} finally {
		await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
	}
}

export async function freePort(): Promise<number> {
	return (await freePorts(["port"])).port;
}
