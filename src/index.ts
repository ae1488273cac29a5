// The Worker's single entry: HTTP, queue and cron handlers, and the Durable Object classes.
import type { Job } from "./jobs";
import { createApp } from "./web/app";

export { MerchantSchedule } from "./booking/merchant-schedule";

const app = createApp();

export default {
	fetch: app.fetch,

	async queue(batch, env) {
		for (const message of batch.messages) {
			// Consumers arrive with the outbound and inbound sync issues; until then, acknowledge.
			void env;
			message.ack();
		}
	},

	async scheduled(controller, env, ctx) {
		void controller;
		void env;
		void ctx;
	},
} satisfies ExportedHandler<Env, Job>;
