package reason_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/pixivauth/pixivauth/reason"
)

func TestOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want reason.Reason
	}{
		{"nil", nil, ""},
		{"plain", errors.New("x"), ""},
		{"bare", reason.Captcha, reason.Captcha},
		{"wrapped", fmt.Errorf("login: %w", reason.WrongPassword), reason.WrongPassword},
		{"first of two", fmt.Errorf("a: %w, b: %w", reason.Blocked, reason.Stalled), reason.Blocked},
		{"deep", fmt.Errorf("x: %w", fmt.Errorf("y: %w", reason.SessionExpired)), reason.SessionExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := reason.Of(tt.err); got != tt.want {
				t.Errorf("Of = %q, want %q", got, tt.want)
			}
		})
	}
	if !errors.Is(fmt.Errorf("x: %w", reason.EmailCode), reason.EmailCode) {
		t.Error("errors.Is does not find a wrapped reason")
	}
}

func ExampleOf() {
	err := fmt.Errorf("login: the password was refused: %w", reason.WrongPassword)
	switch reason.Of(err) {
	case reason.WrongPassword, reason.AccountLocked:
		fmt.Println("a person must act:", reason.Of(err))
	}
	// Output: a person must act: Pixiv refused the username or password
}
