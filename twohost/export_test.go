package twohost

// AppendResponse exposes the responder's answer encoder to the black-box
// golden tests.
var AppendResponse = appendResponse
