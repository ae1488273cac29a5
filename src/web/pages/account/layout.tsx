// The HTML shell of the customer account pages (sign-in, sign-up, reset, account, invitations): the
// booking pages' look (widget.css) plus the account islands (account.js/css), the page's data as a JSON
// block (data, not script, so the CSP needs no inline script), and headers for pages that hold secrets.
import type { Context } from "hono";
import { html } from "hono/html";
import type { Child } from "hono/jsx";
import type { HtmlEscapedString } from "hono/utils/html";
import type { AppEnv } from "../../context";
import { pageCsp } from "../../security-headers";
import { scriptSafeJson } from "../layout";

export interface AccountLayoutProps {
	title: string;
	/** Read by the account bundle from #slotline-account; `page` names the island to start. */
	config: { page: string } & Record<string, unknown>;
	/** The business the visitor came from (a widget's sign-in): its name heads the page in its colour. */
	merchant?: { name: string; brandColor: string | null } | null;
	children?: Child;
}

export function AccountLayout(props: AccountLayoutProps): HtmlEscapedString | Promise<HtmlEscapedString> {
	const config = { ...props.config, brandColor: props.merchant?.brandColor ?? null };
	return html`<!DOCTYPE html>${(
		<html lang="en">
			<head>
				<meta charset="utf-8" />
				<meta name="viewport" content="width=device-width, initial-scale=1" />
				<meta name="robots" content="noindex" />
				<title>{`${props.title} · Slotline`}</title>
				<link rel="stylesheet" href="/assets/widget.css" />
				<link rel="stylesheet" href="/assets/account.css" />
				<script src="/assets/account.js" defer></script>
			</head>
			<body>
				<div class="page">
					<header class="site">
						<a class="brand" href="/">
							{props.merchant?.name ?? "Slotline"}
						</a>
					</header>
					<main id="main">{props.children}</main>
				</div>
				<script type="application/json" id="slotline-account" dangerouslySetInnerHTML={{ __html: scriptSafeJson(config) }}></script>
			</body>
		</html>
	)}`;
}

/**
 * Headers every account page sends: never cached (they carry a CSRF token, sometimes a one-time
 * link's token), no Referer onwards (the URL may hold that token), and not framable. `photos` allows
 * https images, for the account's profile photo.
 */
export function accountPageHeaders(c: Context<AppEnv>, options: { photos?: boolean } = {}): void {
	c.header("cache-control", "private, no-store");
	c.header("referrer-policy", "no-referrer");
	if (options.photos === true) {
		// Set here, the global middleware keeps it; framing stays refused as on every other page.
		c.header("content-security-policy", pageCsp("none", "https"));
		c.header("x-frame-options", "DENY");
	}
}
