// The helper that gives Node-side suites ports for servers other processes start (test/support/free-port.ts).
// CI once gave `npm start` the same "free" port for the app and the sandbox; these are what prevents that.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePorts } from "../support/free-port";

const ephemeralLow = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);

function bindable(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const server = createServer();
		server.once("error", () => resolve(false));
		server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
	});
}

describe("freePorts", () => {
	it("gives distinct ports, every one of them free once it returns", async () => {
		// 500 picks from about 22,000 ports: without holding each pick open, two of them match in all but
		// about 1 run in 250.
		const ports = Object.values(await freePorts(Array.from({ length: 500 }, (_, i) => `port${i}`)));
		expect(new Set(ports).size).toBe(500);
		for (const port of ports) expect(await bindable(port)).toBe(true);
	});

	it("keeps out of the range the kernel hands out by itself, where any outgoing connection could take the port", async () => {
		const ports = Object.values(await freePorts(Array.from({ length: 50 }, (_, i) => `port${i}`)));
		for (const port of ports) {
			expect(port).toBeGreaterThanOrEqual(10_000);
			expect(port).toBeLessThan(ephemeralLow);
		}
	});
});
