module example.com/goprobe

go 1.19
