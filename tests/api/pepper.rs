//! The pepper: one format for the file and the variable, and a database that
//! refuses a server with another pepper.
use keyward::server::config::Config;
use keyward::server::http::Server;

use crate::cli::{keyward, run, text};
use crate::on_both_engines;
use crate::v1_records::key;

on_both_engines! {
    async fn the_files_content_in_keyward_pepper_keeps_every_key_and_another_pepper_is_refused(engine) {
        let mut w = crate::keys::world(engine).await;
        let token = key(&w.app, Some(w.downtown), w.max, "live", &["read:leads"]).await;
        let file = std::fs::read_to_string(w.app.db.dir.path().join("pepper")).unwrap();
        w.app.server.take().unwrap().stop().await.unwrap();

        // A second instance given the file's content as KEYWARD_PEPPER.
        let second = Server::start(Config { pepper: Some(file.trim().to_owned()), ..w.app.db.config() }).await.unwrap();
        w.app.addr = second.addr;
        w.app.server = Some(second);
        assert_eq!(w.app.v1("GET", "/v1/me", &token, None).await.0, 200, "the key still verifies");
        w.app.server.take().unwrap().stop().await.unwrap();

        // Another pepper: the server does not start, and says why.
        let other = "ab".repeat(32);
        let err = Server::start(Config { pepper: Some(other.clone()), ..w.app.db.config() }).await.err().expect("refused");
        let message = format!("{err:#}");
        assert!(message.contains("is not the one this database's keys were made with"), "{message}");
        assert!(!message.contains(&other) && !message.contains(file.trim()), "no pepper in the message");
        // The command line too.
        let mut command = keyward(&w.app.db);
        command.env("KEYWARD_PEPPER", &other).args(["key", "create", "--agency", "Acme Realty", "--name", "X", "--scopes", "read:leads"]);
        let output = run(command, None);
        assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
        assert!(text(&output.stderr).contains("is not the one this database's keys were made with"), "{}", text(&output.stderr));
        // Plain text in the variable is refused, with how to convert it.
        let mut command = keyward(&w.app.db);
        command.env("KEYWARD_PEPPER", "a plain text pepper of more than thirty-two bytes").args(["key", "create", "--agency", "Acme Realty", "--name", "X", "--scopes", "read:leads"]);
        let output = run(command, None);
        assert_eq!(output.status.code(), Some(1));
        assert!(text(&output.stderr).contains("hexadecimal"), "{}", text(&output.stderr));
        // There is no --pepper flag: it would show in `ps`.
        let mut command = keyward(&w.app.db);
        command.args(["--pepper", &other, "migrate"]);
        assert_eq!(run(command, None).status.code(), Some(2));
    }
}
