// Package browsercookies reads Pixiv's session from a person's desktop
// browser: the cookies of pixiv.net and its subdomains in the cookie store
// of Chrome, Chromium, Edge, Brave or Firefox, decrypted the way the browser
// encrypted them.
//
//	cookies, err := browsercookies.Read(ctx, "firefox", browsercookies.Options{})
//	// or "chrome:Profile 1", "brave:/home/me/.config/BraveSoftware/Brave-Browser"
//
// The browser's store is never changed and may be in use: the database and
// its journal (-wal, -shm, -journal) are copied into a private directory
// (0700) of their own, the copy is read there (SQLite may play back a
// journal into it, as the browser would on its next start), and removed
// after.
//
// Chromium-family browsers encrypt cookie values with a key of the
// platform's:
//   - Linux: "v10" values with a fixed key, "v11" values with a password
//     kept in the Secret Service (GNOME Keyring, KeePassXC) or KWallet,
//     whichever the browser uses;
//   - macOS: a password kept in the login Keychain ("Chrome Safe Storage");
//   - Windows: a key in the profile's "Local State", wrapped with DPAPI.
//     Chrome's app-bound encryption ("v20", Chrome 127 and later) can be
//     undone only by the browser itself: such cookies are reported, never
//     guessed at.
//
// Errors wrap a [reason.Reason] of package reason: [reason.NoBrowserProfile]
// (no such browser or profile; the message lists the profiles found),
// [reason.NoBrowserSession] (nobody is logged in to pixiv.net in that
// browser) and [reason.BrowserStoreUnreadable] (a locked or unreadable
// database, or a key that cannot be had; the message says which and how to
// fix it). No error or log line holds a cookie's value.
package browsercookies
