// The place fields of the admin's service and staff forms: only the chosen kind's field shows, and only
// it is sent (a disabled field is left out of the body), so the API gets exactly that kind's shape.

function showChosen(fieldset: HTMLElement, select: HTMLSelectElement): void {
	for (const wrapper of Array.from(fieldset.querySelectorAll<HTMLElement>("[data-place-kinds]"))) {
		const chosen = (wrapper.dataset["placeKinds"] ?? "").split(" ").includes(select.value);
		wrapper.hidden = !chosen;
		for (const input of Array.from(wrapper.querySelectorAll<HTMLInputElement>("input"))) input.disabled = !chosen;
	}
}

export function startPlaceFields(root: ParentNode): void {
	for (const fieldset of Array.from(root.querySelectorAll<HTMLElement>("fieldset[data-place]"))) {
		const select = fieldset.querySelector<HTMLSelectElement>('select[name="place.kind"]');
		if (select === null) continue;
		select.addEventListener("change", () => showChosen(fieldset, select));
		showChosen(fieldset, select);
	}
}

/** A place whose kind was left empty is no place of one's own (null), not a place without a kind. */
export function placeBody(body: Record<string, unknown>): Record<string, unknown> {
	const place = body["place"] as { kind?: unknown } | undefined;
	return place !== undefined && place !== null && place.kind === null ? { ...body, place: null } : body;
}
