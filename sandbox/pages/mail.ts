// HTML inbox for the sandbox mailbox: list of messages, one message with its attachments.
import type { StoredMessage } from "../mailbox";
import { escapeHtml, layout } from "./html";

export function renderInbox(messages: StoredMessage[], to: string | undefined): string {
	const rows = messages
		.map(
			(m) =>
				`<tr><td>${escapeHtml(m.receivedAt)}</td><td>${escapeHtml(m.from)}</td><td>${escapeHtml(m.to.join(", "))}</td>` +
				`<td><a href="/mail/${escapeHtml(m.id)}">${escapeHtml(m.subject)}</a></td><td>${m.attachments.length}</td></tr>`,
		)
		.join("");
	const filter = to === undefined ? "" : ` for ${escapeHtml(to)} (<a href="/mail">all</a>)`;
	return layout(
		"Sandbox inbox",
		`<h1>Inbox${filter}</h1><p>${messages.length} message(s), newest first.</p>
<table><thead><tr><th>Received</th><th>From</th><th>To</th><th>Subject</th><th>Attachments</th></tr></thead><tbody>${rows}</tbody></table>`,
	);
}

export function renderMessage(message: StoredMessage): string {
	const attachments = message.attachments
		.map(
			(a, i) =>
				`<li><a href="/mail/${escapeHtml(message.id)}/attachments/${i}">${escapeHtml(a.filename)}</a> (${escapeHtml(a.contentType)})</li>`,
		)
		.join("");
	// HTML bodies render in a sandboxed iframe so a message's markup cannot script the inbox.
	const html =
		message.html === undefined
			? ""
			: `<h2>HTML</h2><iframe sandbox style="width:100%;height:400px;border:1px solid #ddd" srcdoc="${escapeHtml(message.html)}"></iframe>`;
	return layout(
		message.subject,
		`<p><a href="/mail">← Inbox</a></p><h1>${escapeHtml(message.subject)}</h1>
<p>From: ${escapeHtml(message.from)}<br>To: ${escapeHtml(message.to.join(", "))}<br>Received: ${escapeHtml(message.receivedAt)}</p>
<h2>Text</h2><pre>${escapeHtml(message.text)}</pre>${html}
${attachments === "" ? "" : `<h2>Attachments</h2><ul>${attachments}</ul>`}`,
	);
}
