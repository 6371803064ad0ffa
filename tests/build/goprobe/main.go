// Command goprobe is the test program of imagekit build go: a server that answers on $ADDR,
// an HTTPS client (goprobe fetch URL), and a time zone lookup (goprobe zone NAME).
package main

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"time"
)

func fetch(url string) int {
	client := &http.Client{Timeout: 15 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("%d %s", resp.StatusCode, body)
	return 0
}

func zone(name string) int {
	loc, err := time.LoadLocation(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_, offset := time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC).In(loc).Zone()
	fmt.Printf("%s %d\n", loc, offset)
	return 0
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "fetch" {
		os.Exit(fetch(os.Args[2]))
	}
	if len(os.Args) == 3 && os.Args[1] == "zone" {
		os.Exit(zone(os.Args[2]))
	}
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = ":8080"
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "probe %s uid=%d\n", r.URL.Path, os.Getuid())
	})
	log.Fatal(http.ListenAndServe(addr, nil))
}
