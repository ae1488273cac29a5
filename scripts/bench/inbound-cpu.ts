// The CPU part of a full Google sync, measured on its own: the Worker's adapter reading the given
// events.list pages (what the sandbox served for the 10,000-event calendar) and turning them into the
// one batch inbound sync hands to the merchant's Durable Object (src/sync/feed-batch.ts), serialised as
// Workers RPC serialises it (V8's serializer). No network and no storage: those are waits, not CPU, for
// a Worker. Also the size of that batch: one RPC carries a whole sync step, and workerd refuses RPC
// arguments over 32 MiB. Runs in Node (the same V8 as workerd), which unlike workerd lets a clock
// advance during computation; process CPU time is what is reported.
// Usage: tsx scripts/bench/inbound-cpu.ts <pages.json> <zone> [now]
import { readFileSync } from "node:fs";
import { serialize } from "node:v8";
import { GoogleCalendar } from "../../src/calendars/google";
import { feedBatch } from "../../src/sync/feed-batch";
import { syncWindow } from "../../src/sync/window";

const [file, zone = "Europe/Amsterdam", nowArg] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: inbound-cpu.ts <pages.json> <zone> [now]");
const pages = JSON.parse(readFileSync(file, "utf8")) as string[];
const now = nowArg === undefined ? Date.now() : Number(nowArg);
/** workerd's cap on one RPC call's serialised arguments. */
const RPC_LIMIT_BYTES = 32 * 1024 * 1024;

async function once(): Promise<{ cpuMs: number; instances: number; blocks: number; rpcBytes: number }> {
	let next = 0;
	const google = new GoogleCalendar({
		tokens: { get: async () => "bench", refresh: async () => "bench" },
		// Each page as a fresh Response, so reading and parsing its JSON is part of the measure.
		fetch: async () => new Response(pages[next++] ?? "{}", { headers: { "content-type": "application/json" } }),
		apiBaseUrl: "https://bench.invalid/calendar/v3",
	});
	const before = process.cpuUsage();
	const result = await google.syncEvents("ana@demo.slotline.test", null, syncWindow(now, zone));
	const batch = { ...feedBatch("cal_bench", { merchantId: "mer_demo", staffId: "stf_demo_ana", timeZone: zone }, 0, result), step: 1 };
	const rpcBytes = serialize(batch).length;
	const used = process.cpuUsage(before);
	const blocks = batch.events.reduce((sum, event) => sum + event.blocks.length, 0);
	return { cpuMs: (used.user + used.system) / 1000, instances: result.changed.length, blocks, rpcBytes };
}

// The first run pays for JIT compilation, as a Worker's first sync in a fresh isolate would; report both.
const cold = await once();
const warm = await once();
console.log(`BENCH inbound.full_sync.cpu_instances ${cold.instances} instances`);
console.log(`BENCH inbound.full_sync.cpu_ms_cold ${cold.cpuMs.toFixed(0)} ms`);
console.log(`BENCH inbound.full_sync.cpu_ms_warm ${warm.cpuMs.toFixed(0)} ms`);
console.log(`BENCH inbound.full_sync.fits_30s_cpu ${cold.cpuMs < 30_000 ? 1 : 0} bool`);
console.log(`BENCH inbound.full_sync.rpc_blocks ${cold.blocks} blocks`);
console.log(`BENCH inbound.full_sync.rpc_mib ${(cold.rpcBytes / 1024 / 1024).toFixed(2)} MiB`);
console.log(`BENCH inbound.full_sync.fits_rpc_limit ${cold.rpcBytes < RPC_LIMIT_BYTES ? 1 : 0} bool`);
