// Tiny HTML helpers for the sandbox's human-facing pages: escaping and a shared layout.

export function escapeHtml(value: unknown): string {
	return String(value)
		.replaceAll("&", "&amp;")
		.replaceAll("<", "&lt;")
		.replaceAll(">", "&gt;")
		.replaceAll('"', "&quot;")
		.replaceAll("'", "&#39;");
}

export function layout(title: string, body: string): string {
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1d1d1d}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
.banner{background:#fff3cd;border:1px solid #e0c060;padding:.5rem 1rem;border-radius:4px;margin-bottom:1rem}
button{padding:.4rem 1rem;margin-right:.5rem}form.inline{display:inline}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}
.notice{background:#e8f5e9;border:1px solid #9c9;padding:.5rem 1rem;border-radius:4px}
.error{background:#fdecea;border:1px solid #d99;padding:.5rem 1rem;border-radius:4px}
form label{margin-right:.5rem}details{display:inline-block;margin-right:.5rem}
</style></head><body><div class="banner">Slotline provider sandbox — not a real provider.</div>
${body}</body></html>`;
}
