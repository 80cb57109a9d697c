package pixiv

// The names below are the pages branch's (issue 11), copied with its
// values so that the browserless login builds before that branch lands.
// This file is deleted when pages is merged: its own pixiv.go declares them.

// Data of the accounts pages.
const (
	// InitConfigID is the id of the hidden input whose value is the page's
	// JSON: <input type="hidden" id="init-config" class="json-data" value='{…}'>.
	InitConfigID = "init-config"
	// DataPropsAttr is the attribute some pages carry the same JSON in.
	DataPropsAttr = "data-props"
	// InitConfigAccount is the init-config key of the account data; the
	// keys below are inside it.
	InitConfigAccount = "pixivAccount"
	// ConfigUserID is the logged-in user's ID, null without a session.
	ConfigUserID = "userId"
	// ConfigContinueURL is what account selection posts as return_to.
	ConfigContinueURL = "continueWithCurrentAccountUrl"
	// ConfigReturnTo is where post-redirect sends the browser (start).
	ConfigReturnTo = "returnTo"
	// ConfigTT is the CSRF token every POST of the page carries as tt.
	ConfigTT = "tt"

	// ViaParam=ViaLogin is what post-redirect adds to start's URL; start
	// takes only a POST that carries it.
	ViaParam = "via"
	ViaLogin = "login"
)

// AccountsOrigin is the Origin of every POST the accounts pages make.
const AccountsOrigin = "https://" + AccountsHost
