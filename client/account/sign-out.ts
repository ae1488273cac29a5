// Sign-out buttons: this device (POST /auth/signout) or every device (POST /auth/signout-all).
import { request } from "../shared/http";

function bind(id: string, url: string, then: string): void {
	const button = document.getElementById(id);
	button?.addEventListener("click", () => {
		void request("POST", url).then((answer) => {
			if (answer.ok) {
				location.assign(then);
				return;
			}
			const error = document.getElementById("signout-error");
			if (error !== null) error.textContent = answer.detail;
		});
	});
}

export function startSignOut(): void {
	bind("signout", "/auth/signout", "/");
	bind("signout-all", "/auth/signout-all", "/signin");
}
