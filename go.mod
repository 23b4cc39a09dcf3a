module github.com/luoinspect/luoinspect

go 1.26.8
