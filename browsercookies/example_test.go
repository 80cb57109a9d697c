package browsercookies_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/pixivauth/pixivauth/browsercookies"
	"github.com/pixivauth/pixivauth/reason"
)

// Reading Firefox's default profile; the errors say what to do.
func ExampleRead() {
	cookies, err := browsercookies.Read(context.Background(), "firefox", browsercookies.Options{})
	switch {
	case errors.Is(err, reason.NoBrowserProfile):
		fmt.Println("no such browser or profile:", err)
	case errors.Is(err, reason.NoBrowserSession):
		fmt.Println("nobody is logged in to pixiv.net in it")
	case err != nil:
		fmt.Println("cannot read it:", err)
	default:
		fmt.Println(len(cookies), "cookies of pixiv.net")
	}
}

// A spec names the browser and, after a colon, a profile's name or
// directory.
func ExampleParseSpec() {
	s, err := browsercookies.ParseSpec("Chrome:Profile 1")
	fmt.Println(s.Browser, s.Profile, err)
	_, err = browsercookies.ParseSpec("netscape")
	fmt.Println(errors.Is(err, reason.NoBrowserProfile))
	// Output:
	// chrome Profile 1 <nil>
	// true
}
