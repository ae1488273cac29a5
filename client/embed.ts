// The loader a merchant pastes into their site: <script src="https://HOST/embed.js" data-merchant="demo" async>.
// It puts the booking flow in an iframe (inline where the tag is, or in a popup behind a button with
// data-mode="popup"), sizes it from the frame's height messages and re-announces every frame event as a
// DOM event of the same type ("slotline:height", "slotline:booking-created") on the container, after
// sizing it. The frame's own postMessage events reach the page too.
(function embed(): void {
	const script = document.currentScript as HTMLScriptElement | null;
	const merchant = script?.dataset["merchant"];
	if (script === null || merchant === undefined || merchant === "") return;
	const origin = new URL(script.src).origin;
	const src = `${origin}/b/${encodeURIComponent(merchant)}/embed?parent=${encodeURIComponent(location.origin)}`;
	const container = document.createElement("div");
	container.className = "slotline-widget";
	script.after(container);

	function frame(): HTMLIFrameElement {
		const iframe = document.createElement("iframe");
		iframe.src = src;
		iframe.title = script?.dataset["title"] ?? "Book an appointment";
		Object.assign(iframe.style, { width: "100%", height: "640px", border: "0", display: "block", colorScheme: "normal" });
		window.addEventListener("message", (event: MessageEvent) => {
			const data = event.data as { source?: string; type?: string; height?: number } | null;
			if (event.origin !== origin || event.source !== iframe.contentWindow || data?.source !== "slotline") return;
			if (data.type === "slotline:height" && typeof data.height === "number") iframe.style.height = `${data.height}px`;
			container.dispatchEvent(new CustomEvent(String(data.type), { detail: data, bubbles: true }));
		});
		return iframe;
	}

	if (script.dataset["mode"] !== "popup") {
		container.append(frame());
		return;
	}
	const button = document.createElement("button");
	button.type = "button";
	button.textContent = script.dataset["label"] ?? "Book now";
	button.className = "slotline-button";
	const dialog = document.createElement("dialog");
	dialog.setAttribute("aria-label", "Book an appointment");
	Object.assign(dialog.style, { width: "min(560px, 96vw)", maxHeight: "92vh", padding: "0", border: "0", borderRadius: "12px", overflow: "auto" });
	const close = document.createElement("button");
	close.type = "button";
	close.textContent = "×";
	close.setAttribute("aria-label", "Close");
	Object.assign(close.style, { position: "sticky", top: "0", float: "right", font: "24px/1 sans-serif", padding: "8px 12px", border: "0", background: "transparent", cursor: "pointer" });
	close.addEventListener("click", () => dialog.close());
	dialog.append(close);
	button.addEventListener("click", () => {
		if (dialog.querySelector("iframe") === null) dialog.append(frame());
		dialog.showModal();
	});
	container.append(button, dialog);
})();
