// The HTML shell of the customer-facing pages: the widget bundle (script and style from our origin only)
// and the page's data as a JSON block, which is data, not script, so the CSP needs no inline script.
import { html } from "hono/html";
import type { Child } from "hono/jsx";
import type { HtmlEscapedString } from "hono/utils/html";

export interface LayoutProps {
	title: string;
	/** Read by the widget bundle from #slotline-config. */
	config: Record<string, unknown>;
	embedded?: boolean;
	children?: Child;
}

/** JSON that cannot end the script element or open a comment, whatever the strings contain. */
export function scriptSafeJson(value: unknown): string {
	return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

export function Layout(props: LayoutProps): HtmlEscapedString | Promise<HtmlEscapedString> {
	return html`<!DOCTYPE html>${(
		<html lang="en">
			<head>
				<meta charset="utf-8" />
				<meta name="viewport" content="width=device-width, initial-scale=1" />
				<meta name="robots" content="noindex" />
				<title>{props.title}</title>
				<link rel="stylesheet" href="/assets/widget.css" />
				<script src="/assets/widget.js" defer></script>
			</head>
			<body class={props.embedded === true ? "embedded" : undefined}>
				<div class="page">{props.children}</div>
				<script type="application/json" id="slotline-config" dangerouslySetInnerHTML={{ __html: scriptSafeJson(props.config) }}></script>
			</body>
		</html>
	)}`;
}
