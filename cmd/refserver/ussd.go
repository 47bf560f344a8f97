package main

import (
	"io"
	"net/http"
)

// ussdHop answers one USSD hop from the form alone: sessionId is required
// (as the gateway requires it), text picks the screen.
func ussdHop(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("sessionId") == "" {
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "END field sessionId is missing")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	io.WriteString(w, demoScreen(r.PostForm.Get("text"), r.PostForm.Get("phoneNumber")))
}

// demoScreen is the screen the gateway's built-in demo menu
// (handlers/ussd/demo.yaml) shows for the cumulative text, with its
// CON/END prefix.
func demoScreen(text, phone string) string {
	switch text {
	case "":
		return "CON What would you want to check\n1. My Account\n2. My phone number"
	case "1":
		return "CON Choose account information you want to view\n1. Account number"
	case "1*1":
		return "END Your account number is ACC1001"
	case "2":
		return "END Your phone number is " + phone
	}
	return "END Invalid choice"
}
