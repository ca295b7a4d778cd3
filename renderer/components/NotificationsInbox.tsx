// The notifications inbox in the top bar (owned by the reports & notifications area).
export function NotificationsInbox() {
  return null;
}
