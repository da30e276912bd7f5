/**
 * A new version of the app took over (its worker activated): this page runs the old one. It is
 * not reloaded at once, which could cut off a safety alert's countdown or a message being
 * written, but at the next in-app navigation, which loads the new version at the new address.
 */
let updated = false;

export function markUpdated(): void {
  updated = true;
}

/** Call on every in-app navigation: reloads into the new version if there is one. */
export function reloadIfUpdated(reload: () => void = () => window.location.reload()): boolean {
  if (!updated) return false;
  updated = false;
  reload();
  return true;
}
