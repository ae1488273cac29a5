// The Worker's single entry: HTTP, queue and cron handlers, and the Durable Object classes.
import { inPhase } from "./db/statement-count";
import type { Job } from "./jobs";
import { consumeBatch } from "./sync/consumer";
import { runCron } from "./sync/cron";
import { createApp } from "./web/app";

export { MerchantSchedule } from "./booking/merchant-schedule";
export { CalendarPoller } from "./sync/poller";

const app = createApp();

export default {
	fetch: app.fetch,

	async queue(batch, env) {
		await inPhase("background", () => consumeBatch(batch, env));
	},

	async scheduled(controller, env, ctx) {
		ctx.waitUntil(inPhase("background", () => runCron(env, controller.scheduledTime)));
	},
} satisfies ExportedHandler<Env, Job>;
