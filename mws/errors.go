package mws

import (
	"fmt"
	"net/http"
)

// faceError is a refusal the face makes in MWS's own terms, before or
// instead of asking the engine: a malformed request, bad credentials, a
// throttled seller.
type faceError struct {
	code    string
	status  int
	message string
}

func (e *faceError) Error() string { return "mws: " + e.code + ": " + e.message }

func refuse(code string, status int, format string, args ...any) error {
	return &faceError{code: code, status: status, message: fmt.Sprintf(format, args...)}
}

func invalidParameter(format string, args ...any) error {
	return refuse("InvalidParameterValue", http.StatusBadRequest, format, args...)
}

func missingParameter(name string) error {
	return refuse("MissingParameter", http.StatusBadRequest, "The request must contain the parameter %s.", name)
}

// wireError is an error as MWS writes it.
type wireError struct {
	Code    string
	Status  int
	Type    string // Sender (the request is at fault) or Server
	Message string
}

func wire(code string, status int, message string) wireError {
	typ := "Sender"
	if status >= 500 {
		typ = "Server"
	}
	return wireError{Code: code, Status: status, Type: typ, Message: message}
}
