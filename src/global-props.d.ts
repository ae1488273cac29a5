// Types `exports` from "cloudflare:workers" with this Worker's own entry module.
// (wrangler types emits this only alongside runtime types, which come from @cloudflare/workers-types here.)
declare namespace Cloudflare {
	interface GlobalProps {
		mainModule: typeof import("./index");
		durableNamespaces: "MerchantSchedule" | "CalendarPoller";
	}
}
