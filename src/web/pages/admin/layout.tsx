// The HTML shell of the merchant admin: navigation, the admin bundle (script and style from our origin
// only) and the page's data as a JSON block read by the islands, so the CSP needs no inline script.
import { html } from "hono/html";
import type { Child } from "hono/jsx";
import type { HtmlEscapedString } from "hono/utils/html";
import type { MerchantRole } from "../../../auth/membership";
import { scriptSafeJson } from "../layout";

export type AdminSection = "dashboard" | "calendar" | "setup" | "integrations" | "signin";

export interface AdminLayoutProps {
	title: string;
	section: AdminSection;
	/** Absent on the sign-in page. */
	viewer?: {
		email: string;
		role: MerchantRole;
		merchantId: string;
		merchantName: string;
		/** Every business the person belongs to; with more than one the header offers a switcher. */
		businesses: Array<{ merchantId: string; name: string; role: MerchantRole }>;
		/** For the switcher's form when JavaScript is off (the island sends it as a header). */
		csrfToken: string;
	};
	/** Read by the admin bundle from #slotline-admin. */
	config: Record<string, unknown>;
	children?: Child;
}

const LINKS: Array<{ section: AdminSection; href: string; label: string; ownerOnly: boolean }> = [
	{ section: "dashboard", href: "/admin", label: "Dashboard", ownerOnly: false },
	{ section: "calendar", href: "/admin/calendar", label: "Calendar", ownerOnly: false },
	{ section: "setup", href: "/admin/setup", label: "Setup", ownerOnly: true },
	{ section: "integrations", href: "/admin/integrations", label: "Integrations", ownerOnly: false },
];

export function AdminLayout(props: AdminLayoutProps): HtmlEscapedString | Promise<HtmlEscapedString> {
	const viewer = props.viewer;
	return html`<!DOCTYPE html>${(
		<html lang="en">
			<head>
				<meta charset="utf-8" />
				<meta name="viewport" content="width=device-width, initial-scale=1" />
				<meta name="robots" content="noindex" />
				<title>{`${props.title} · Slotline admin`}</title>
				<link rel="stylesheet" href="/assets/admin.css" />
				<script src="/assets/admin.js" defer></script>
			</head>
			<body>
				<a class="skip" href="#main">
					Skip to content
				</a>
				{viewer === undefined ? null : (
					<header class="topbar">
						{viewer.businesses.length > 1 ? (
							<form class="switcher" method="post" action="/admin/switch-business" data-api="/admin/switch-business" data-method="POST" data-done="/admin">
								<input type="hidden" name="_csrf" value={viewer.csrfToken} />
								<label for="business-switcher">Business</label>
								<select id="business-switcher" name="merchantId">
									{viewer.businesses.map((b) => (
										<option value={b.merchantId} selected={b.merchantId === viewer.merchantId}>
											{`${b.name} (${b.role})`}
										</option>
									))}
								</select>
								<button type="submit">Switch</button>
								<p class="form-error" role="alert"></p>
							</form>
						) : (
							<strong class="merchant">{viewer.merchantName}</strong>
						)}
						<nav aria-label="Admin">
							<ul>
								{LINKS.filter((l) => !l.ownerOnly || viewer.role === "owner").map((l) => (
									<li>
										<a href={l.href} aria-current={l.section === props.section ? "page" : undefined}>
											{l.label}
										</a>
									</li>
								))}
							</ul>
						</nav>
						<span class="who">
							{viewer.email} ({viewer.role})
						</span>
						<button type="button" class="ghost" data-signout>
							Sign out
						</button>
					</header>
				)}
				<main id="main" tabindex={-1}>
					{props.children}
				</main>
				<div id="admin-status" class="toast" role="status" aria-live="polite"></div>
				<script type="application/json" id="slotline-admin" dangerouslySetInnerHTML={{ __html: scriptSafeJson(viewer === undefined ? props.config : { ...props.config, merchantId: viewer.merchantId }) }}></script>
			</body>
		</html>
	)}`;
}
