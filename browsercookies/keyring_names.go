package browsercookies

import "github.com/pixivauth/pixivauth/reason"

// keyringName is the name b files its password under: "<name> Safe
// Storage" in the Keychain and the Secret Service, "<name> Keys" the
// KWallet folder. Edge on Linux keeps Chromium's.
func keyringName(b Browser, goos string) string {
	switch b {
	case Chrome:
		return "Chrome"
	case Brave:
		return "Brave"
	case Edge:
		if goos == "darwin" {
			return "Microsoft Edge"
		}
	}
	return "Chromium"
}

// secretServiceApplication is the "application" attribute of b's item in
// the Secret Service (Linux).
func secretServiceApplication(b Browser) string {
	switch b {
	case Chrome:
		return "chrome"
	case Brave:
		return "brave"
	}
	return "chromium"
}

// reasonUnreadable is reason.BrowserStoreUnreadable, for the platform
// files.
const reasonUnreadable = reason.BrowserStoreUnreadable
