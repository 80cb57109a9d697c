package pixivtest

import (
	"net/http"
	"strings"

	"github.com/pixivauth/pixivauth/pixiv"
)

// Languages are the languages the double's accounts pages speak, chosen by
// the lang parameter, else by Accept-Language, else [WithLanguage]'s, else
// English.
func Languages() []string { return []string{"en", "ja", "zh", "zh-tw", "ko"} }

// text is what a page shows in one language. Only zh's continue label and
// the login buttons and the first skip labels are confirmed; the rest say
// what Pixiv's pages say in words of the double's own (inferred).
type text struct {
	Lang          string `json:"lang"`
	LoginTitle    string `json:"login_title"`
	Username      string `json:"username"`
	Password      string `json:"password"`
	LogIn         string `json:"log_in"`
	Next          string `json:"next"`
	SelectTitle   string `json:"select_title"`
	Continue      string `json:"continue"`
	Other         string `json:"other"`
	TwoFactor     string `json:"two_factor"`
	EmailCode     string `json:"email_code"`
	Code          string `json:"code"`
	Verify        string `json:"verify"`
	PasskeyTitle  string `json:"passkey_title"`
	TwoFactorSet  string `json:"two_factor_setup_title"`
	SetUp         string `json:"set_up"`
	Later         string `json:"later"`
	Skip          string `json:"skip"`
	Redirecting   string `json:"redirecting"`
	WrongPassword string `json:"-"`
	Locked        string `json:"-"`
	WrongCode     string `json:"-"`
	Captcha       string `json:"-"`
	Expired       string `json:"-"`
}

var texts = map[string]text{
	"en": {
		LoginTitle: "Log in to pixiv", Username: "E-mail address or pixiv ID", Password: "Password", LogIn: "Log In", Next: "Next",
		SelectTitle: "Select an account", Continue: "Continue using this account", Other: "Log in with another account",
		TwoFactor: "Enter the 6-digit code from your authenticator app.", EmailCode: "Enter the verification code we sent to your e-mail address.",
		Code: "Verification code", Verify: "Verify",
		PasskeyTitle: "Log in faster with a passkey", TwoFactorSet: "Protect your account with two-factor authentication",
		SetUp: "Set up", Later: "Remind me later", Skip: "Skip", Redirecting: "Redirecting…",
		WrongPassword: "Please check that your pixiv ID or e-mail address and password are entered correctly.",
		Locked:        "This account is locked. Please reset your password to unlock it.",
		WrongCode:     "The verification code is incorrect.",
		Captcha:       "Complete the reCAPTCHA verification",
		Expired:       "Your login attempt has expired. Please log in again.",
	},
	"ja": {
		LoginTitle: "pixivにログイン", Username: "メールアドレスまたはpixiv ID", Password: "パスワード", LogIn: "ログイン", Next: "次へ",
		SelectTitle: "アカウントを選択", Continue: "このアカウントで続ける", Other: "別のアカウントでログイン",
		TwoFactor: "認証アプリの6桁のコードを入力してください。", EmailCode: "メールアドレスに送信された確認コードを入力してください。",
		Code: "確認コード", Verify: "確認",
		PasskeyTitle: "パスキーでかんたんにログイン", TwoFactorSet: "2段階認証でアカウントを守りましょう",
		SetUp: "設定する", Later: "あとで", Skip: "スキップ", Redirecting: "移動しています…",
		WrongPassword: "pixiv IDまたはメールアドレス、パスワードが正しいかチェックしてください。",
		Locked:        "このアカウントはロックされています。",
		WrongCode:     "確認コードが正しくありません。",
		Captcha:       "reCAPTCHAを完了してください",
		Expired:       "ログインの有効期限が切れました。",
	},
	"zh": {
		LoginTitle: "登录pixiv", Username: "邮箱地址或pixiv ID", Password: "密码", LogIn: "登录", Next: "下一步",
		SelectTitle: "选择账号", Continue: "继续使用此账号", Other: "使用其他账号登录",
		TwoFactor: "请输入验证器应用中的6位验证码。", EmailCode: "请输入发送到您邮箱的验证码。",
		Code: "验证码", Verify: "验证",
		PasskeyTitle: "使用通行密钥更快登录", TwoFactorSet: "使用两步验证保护您的账号",
		SetUp: "设置", Later: "稍后提醒我", Skip: "跳过", Redirecting: "正在跳转…",
		WrongPassword: "请确认pixiv ID或邮箱地址和密码是否正确。",
		Locked:        "此账号已被锁定。",
		WrongCode:     "验证码不正确。",
		Captcha:       "请完成reCAPTCHA验证",
		Expired:       "登录已过期，请重新登录。",
	},
	"zh-tw": {
		LoginTitle: "登入pixiv", Username: "電子郵件地址或pixiv ID", Password: "密碼", LogIn: "登入", Next: "下一步",
		SelectTitle: "選擇帳號", Continue: "繼續使用此帳號", Other: "使用其他帳號登入",
		TwoFactor: "請輸入驗證應用程式中的6位數驗證碼。", EmailCode: "請輸入寄送至您電子郵件的驗證碼。",
		Code: "驗證碼", Verify: "驗證",
		PasskeyTitle: "使用密碼金鑰更快登入", TwoFactorSet: "使用雙重驗證保護您的帳號",
		SetUp: "設定", Later: "稍後提醒我", Skip: "略過", Redirecting: "正在跳轉…",
		WrongPassword: "請確認pixiv ID或電子郵件地址與密碼是否正確。",
		Locked:        "此帳號已被鎖定。",
		WrongCode:     "驗證碼不正確。",
		Captcha:       "請完成reCAPTCHA驗證",
		Expired:       "登入已逾時，請重新登入。",
	},
	"ko": {
		LoginTitle: "pixiv 로그인", Username: "이메일 주소 또는 pixiv ID", Password: "비밀번호", LogIn: "로그인", Next: "다음",
		SelectTitle: "계정 선택", Continue: "이 계정으로 계속하기", Other: "다른 계정으로 로그인",
		TwoFactor: "인증 앱의 6자리 코드를 입력하세요.", EmailCode: "이메일로 보낸 인증 코드를 입력하세요.",
		Code: "인증 코드", Verify: "확인",
		PasskeyTitle: "패스키로 더 빠르게 로그인", TwoFactorSet: "2단계 인증으로 계정을 보호하세요",
		SetUp: "설정", Later: "나중에", Skip: "건너뛰기", Redirecting: "이동 중…",
		WrongPassword: "pixiv ID 또는 이메일 주소와 비밀번호가 올바른지 확인해 주세요.",
		Locked:        "이 계정은 잠겨 있습니다.",
		WrongCode:     "인증 코드가 올바르지 않습니다.",
		Captcha:       "reCAPTCHA 인증을 완료해 주세요",
		Expired:       "로그인 시간이 만료되었습니다.",
	},
}

// altEnglishContinue is [WithAltEnglish]'s label: Pixiv's English wording is
// not confirmed, so the driver is tested against a second one.
const altEnglishContinue = "Continue with this account"

// langOf picks the page's language: lang, else Accept-Language, else def.
func langOf(r *http.Request, def string) string {
	if l := normLang(r.URL.Query().Get(pixiv.LangParam)); l != "" {
		return l
	}
	if def != "" {
		return def
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if l := normLang(tag); l != "" {
			return l
		}
	}
	return "en"
}

// normLang maps a language tag to one of Languages, or "".
func normLang(tag string) string {
	tag = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
	switch {
	case tag == "":
		return ""
	case tag == "zh-tw" || tag == "zh-hk" || tag == "zh-hant" || strings.HasPrefix(tag, "zh-hant-"):
		return "zh-tw"
	}
	base, _, _ := strings.Cut(tag, "-")
	switch base {
	case "en", "ja", "zh", "ko":
		return base
	}
	return ""
}

// textFor is the text of lang, with the variants the server is set to.
func (s *Server) textFor(lang string) text {
	t := texts[lang]
	t.Lang = lang
	if lang == "en" && s.cfg.altEnglish {
		t.Continue = altEnglishContinue
	}
	return t
}
