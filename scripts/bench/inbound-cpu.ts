// The CPU part of a full Google sync, measured on its own: the Worker's adapter reading the given
// events.list pages (what the sandbox served for the 10,000-event calendar) and the busy-store turning
// them into the rows and JSON it binds to D1. No network and no database: those are waits, not CPU, for
// a Worker. Runs in Node (the same V8 as workerd), which unlike workerd lets a clock advance during
// computation; process CPU time is what is reported. Usage: tsx scripts/bench/inbound-cpu.ts <pages.json> <zone>
import { readFileSync } from "node:fs";
import { GoogleCalendar } from "../../src/calendars/google";
import { blockRows } from "../../src/sync/busy-store";
import { syncWindow } from "../../src/sync/window";

const [file, zone = "Europe/Amsterdam", nowArg] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: inbound-cpu.ts <pages.json> <zone> [now]");
const pages = JSON.parse(readFileSync(file, "utf8")) as string[];
const now = nowArg === undefined ? Date.now() : Number(nowArg);
const ROWS_PER_STATEMENT = 4000;

async function once(): Promise<{ cpuMs: number; instances: number; rows: number }> {
	let next = 0;
	const google = new GoogleCalendar({
		tokens: { get: async () => "bench", refresh: async () => "bench" },
		// Each page as a fresh Response, so reading and parsing its JSON is part of the measure.
		fetch: async () => new Response(pages[next++] ?? "{}", { headers: { "content-type": "application/json" } }),
		apiBaseUrl: "https://bench.invalid/calendar/v3",
	});
	const before = process.cpuUsage();
	const result = await google.syncEvents("ana@demo.slotline.test", null, syncWindow(now, zone));
	// The benchmark calendar holds none of the merchant's bookings: every event is someone else's.
	const rows = blockRows(result.changed, { merchantId: "mer_demo", staffId: "stf_demo_ana", timeZone: zone }, new Set());
	let bytes = 0;
	for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) bytes += JSON.stringify(rows.slice(i, i + ROWS_PER_STATEMENT)).length;
	const used = process.cpuUsage(before);
	if (bytes === 0 && rows.length > 0) throw new Error("nothing serialised");
	return { cpuMs: (used.user + used.system) / 1000, instances: result.changed.length, rows: rows.length };
}

// The first run pays for JIT compilation, as a Worker's first sync in a fresh isolate would; report both.
const cold = await once();
const warm = await once();
console.log(`BENCH inbound.full_sync.cpu_instances ${cold.instances} instances`);
console.log(`BENCH inbound.full_sync.cpu_ms_cold ${cold.cpuMs.toFixed(0)} ms`);
console.log(`BENCH inbound.full_sync.cpu_ms_warm ${warm.cpuMs.toFixed(0)} ms`);
console.log(`BENCH inbound.full_sync.fits_30s_cpu ${cold.cpuMs < 30_000 ? 1 : 0} bool`);
