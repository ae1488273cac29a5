// Where the Worker finds each outside service when it runs against the local provider sandbox: the one
// list for `npm start` (scripts/start.mjs), the Worker tests (vitest.config.ts) and the browser tests, so a
// new provider's endpoint is added once.

/** The Worker variables (see wrangler.toml [vars]) that point every provider at the sandbox at `sandboxUrl`. */
export function sandboxEndpoints(sandboxUrl) {
	return {
		GOOGLE_ISSUER: `${sandboxUrl}/google`,
		GOOGLE_CALENDAR_API: `${sandboxUrl}/google/calendar/v3`,
		MICROSOFT_AUTHORITY: `${sandboxUrl}/microsoft/common/v2.0`,
		MICROSOFT_GRAPH_API: `${sandboxUrl}/microsoft/graph/v1.0`,
		FACEBOOK_DIALOG_URL: `${sandboxUrl}/facebook/dialog/oauth`,
		FACEBOOK_GRAPH_API: `${sandboxUrl}/facebook/graph`,
		ICLOUD_CALDAV_URL: `${sandboxUrl}/icloud`,
		// zoom.us/oauth (authorize, token, revoke) and api.zoom.us/v2 in production.
		ZOOM_OAUTH_URL: `${sandboxUrl}/zoom/oauth`,
		ZOOM_API: `${sandboxUrl}/zoom/v2`,
		MAIL_SANDBOX_URL: sandboxUrl,
	};
}
