// The Worker's single entry: HTTP, queue and cron handlers, and the Durable Object classes.
import type { Job } from "./jobs";
import { consumeBatch } from "./sync/consumer";
import { runCron } from "./sync/cron";
import { createApp } from "./web/app";

export { MerchantSchedule } from "./booking/merchant-schedule";

const app = createApp();

export default {
	fetch: app.fetch,

	async queue(batch, env) {
		await consumeBatch(batch, env);
	},

	async scheduled(controller, env, ctx) {
		ctx.waitUntil(runCron(env, controller.scheduledTime));
	},
} satisfies ExportedHandler<Env, Job>;
