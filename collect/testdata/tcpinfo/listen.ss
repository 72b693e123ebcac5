LISTEN    0      4096            127.0.0.1:44409            0.0.0.0:*     ino:10707024 sk:46e2d2 cgroup:/ <->
	bbr cwnd:10
