// Meeting-link latency under `wrangler dev` with the provider sandbox (both started here): the demo's Ana
// hosts on Google Meet (her Google calendar), Ben on Microsoft Teams (his Microsoft 365 calendar) and Chloé
// on Zoom (her Zoom account). MEETING_BOOKINGS bookings each are made one after another through the public
// API, and each one's latency runs from its 201 (taken here) to the moment the Worker stored its link
// (`ready_at`, the same machine's clock), through the real queue: the relay, the fan-out and the calendar
// push (Meet, Teams: the link comes with the event) or the meeting job (Zoom).
import { freeSlots, sleep, startSandboxedWorker } from "./sandboxed-worker.mjs";

const BOOKINGS = Number(process.env.MEETING_BOOKINGS ?? 20);
const ZONE = "Europe/Amsterdam";
const PASSWORD = "bench-password-123";
const HOSTS = [
	{ provider: "google", place: "google_meet", staffId: "stf_demo_ana" },
	{ provider: "microsoft", place: "microsoft_teams", staffId: "stf_demo_ben" },
	{ provider: "zoom", place: "zoom", staffId: "stf_demo_chloe" },
];

const bench = await startSandboxedWorker({ port: Number(process.env.BENCH_MEETINGS_PORT ?? 8801), sandboxPort: Number(process.env.BENCH_MEETINGS_SANDBOX_PORT ?? 8802), name: "meetings" });
const BASE = bench.base;

/** The demo owner's session: its cookie and CSRF token, for the admin API. */
async function signIn(email) {
	const res = await fetch(`${BASE}/auth/signin`, { method: "POST", headers: { "content-type": "application/json", origin: BASE }, body: JSON.stringify({ email, password: PASSWORD }) });
	if (!res.ok) throw new Error(`sign-in ${res.status} ${await res.text()}`);
	const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
	const { csrfToken } = await res.json();
	return { cookie, csrfToken };
}

async function admin(session, method, path, body) {
	const res = await fetch(`${BASE}${path}`, {
		method,
		redirect: "manual",
		headers: { cookie: session.cookie, "x-csrf-token": session.csrfToken, origin: BASE, ...(body === undefined ? {} : { "content-type": "application/json" }) },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
	return res;
}

/**
 * Connects Chloé's sandbox Zoom account as she would on the Integrations page: the Worker's consent
 * redirect, the sandbox's consent (answered by its login shortcut), the callback with the owner's cookie.
 */
async function connectZoom(session, staffId, email) {
	await bench.control("/zoom/users", { email, firstName: "Chloé" });
	const start = await admin(session, "GET", `/admin/api/connect/zoom?staffId=${staffId}`);
	const consent = new URL(start.headers.get("location"));
	consent.searchParams.set("login_hint", email);
	const authorized = await fetch(consent, { redirect: "manual" });
	const callback = authorized.headers.get("location");
	if (callback === null) throw new Error(`Zoom consent answered ${authorized.status}`);
	const cookies = [session.cookie, ...start.headers.getSetCookie().map((c) => c.split(";")[0])].join("; ");
	const done = await fetch(callback, { redirect: "manual", headers: { cookie: cookies } });
	if (done.status >= 400) throw new Error(`Zoom callback ${done.status} ${await done.text()}`);
}

async function meetings() {
	const res = await fetch(`${BASE}/_dev/meetings`, { headers: { "x-seed-token": bench.seedToken } });
	if (!res.ok) throw new Error(`meetings ${res.status}`);
	return new Map((await res.json()).meetings.map((m) => [m.bookingId, m]));
}

function percentile(sorted, p) {
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

try {
	const seeded = await bench.seed({ sandboxUrl: bench.sandboxUrl });
	if (!seeded.ok) throw new Error(`seed failed: ${seeded.status} ${await seeded.text()}`);
	const { ownerEmail } = await seeded.json();
	const session = await signIn(ownerEmail);
	await connectZoom(session, "stf_demo_chloe", "chloe@demo.slotline.test");
	for (const host of HOSTS) await admin(session, "PATCH", `/admin/api/staff/${host.staffId}`, { place: { kind: host.place } });

	for (const host of HOSTS) {
		const booked = new Map();
		// One at a time, each waiting for its link: the latency of a booking on a quiet queue.
		for (const [i, start] of (await freeSlots(BASE, host.staffId, BOOKINGS)).entries()) {
			const res = await fetch(`${BASE}/api/v1/m/demo/bookings`, {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ serviceId: "svc_demo_consult", staffId: host.staffId, start, timezone: ZONE, customer: { name: `Meeting ${i}`, email: `meeting-${host.provider}-${i}@example.com` } }),
			});
			const answeredAt = Date.now();
			if (res.status !== 201) throw new Error(`booking ${host.staffId} ${start}: ${res.status} ${await res.text()}`);
			const { id } = (await res.json()).booking;
			booked.set(id, answeredAt);
			for (let waited = 0; ; waited += 20) {
				const meeting = (await meetings()).get(id);
				if (meeting?.readyAt != null) break;
				if (waited > 120_000) throw new Error(`no ${host.place} link for ${id} after 2 minutes (${meeting?.state ?? "no meeting"})`);
				await sleep(20);
			}
		}
		const stored = await meetings();
		const latencies = [...booked].map(([id, answeredAt]) => stored.get(id).readyAt - answeredAt).sort((a, b) => a - b);
		console.log(`BENCH meeting.${host.provider}.link_latency_p50 ${percentile(latencies, 50)} ms`);
		console.log(`BENCH meeting.${host.provider}.link_latency_p95 ${percentile(latencies, 95)} ms`);
	}
} finally {
	await bench.stop();
}
