"""IK206 build-tool-cache-left: Gradle or Maven in a shipped stage leaves ~/.gradle or ~/.m2."""

from __future__ import annotations

import pytest

from tests.support.lint import hits, lines

RULE = "IK206"


def _run(run: str, before: str = "") -> str:
    return f"FROM eclipse-temurin:21\nWORKDIR /src\n{before}RUN {run}\n"


@pytest.mark.parametrize(
    ("run", "where"),
    [
        ("mvn -B package", "~/.m2/repository"),
        ("mvn dependency:go-offline", "~/.m2/repository"),
        ("./mvnw -B package", "~/.m2/repository"),
        ("sh mvnw package", "~/.m2/repository"),
        ("gradle build", "~/.gradle"),
        ("./gradlew bootJar --no-daemon", "~/.gradle"),
        ("bash ./gradlew build", "~/.gradle"),
        ("/opt/gradle/bin/gradle build", "~/.gradle"),
        # even asking the wrapper for its version downloads a Gradle distribution
        ("./gradlew --version", "~/.gradle"),
        ("mvn package && rm -rf /tmp/*", "~/.m2/repository"),
        ("rm -rf /root/.m2 && mvn package", "~/.m2/repository"),
        ("gradle build && rm -rf /root/.m2", "~/.gradle"),
        ("mvn package && rm -rf /root/.gradle", "~/.m2/repository"),
        # the local repository moved, but the wrapper's distribution is still in ~/.m2
        (
            "./mvnw -Dmaven.repo.local=/tmp/repo package && rm -rf /tmp/repo",
            "~/.m2/wrapper",
        ),
        ("mvn -Dmaven.repo.local=/tmp/repo package", "/tmp/repo"),
        ("gradle -g /tmp/gh build", "/tmp/gh"),
        ("sh -c 'mvn package'", "~/.m2/repository"),
    ],
)
def test_flags_builds_leaving_caches(run: str, where: str) -> None:
    [finding] = hits(_run(run), RULE)
    assert finding.line == 3
    assert where in finding.message
    assert "COPY --from" in finding.message


@pytest.mark.parametrize(
    "run",
    [
        "mvn -B package && rm -rf /root/.m2",
        "mvn -B package && rm -rf ~/.m2/repository",
        "mvn -B package; rm -rf $HOME/.m2",
        "./mvnw package && rm -rf /root/.m2",
        "gradle build && rm -rf /root/.gradle",
        "./gradlew build && rm -rf ~/.gradle",
        "mvn -Dmaven.repo.local=/tmp/repo package && rm -rf /tmp/repo",
        "mvn -D maven.repo.local=/tmp/repo package && rm -rf /tmp/repo",
        "gradle --gradle-user-home /tmp/gh build && rm -rf /tmp/gh",
        "gradle --gradle-user-home=/tmp/gh build && rm -rf /tmp/gh",
        "gradle -Dgradle.user.home=/tmp/gh build && rm -rf /tmp/gh",
        "GRADLE_USER_HOME=/tmp/gh gradle build && rm -rf /tmp/gh",
        "MAVEN_OPTS=-Dmaven.repo.local=/tmp/r mvn package && rm -rf /tmp/r",
        # only the version or help of an installed tool
        "mvn -v",
        "mvn --version",
        "gradle --version",
        "echo mvn package",
        "java -jar app.jar",
    ],
)
def test_silent_when_caches_removed(run: str) -> None:
    assert hits(_run(run), RULE) == []


@pytest.mark.parametrize(
    ("mounts", "run"),
    [
        ("--mount=type=cache,target=/root/.m2", "mvn package"),
        ("--mount=type=cache,target=/root/.m2/repository", "mvn package"),
        ("--mount=type=cache,target=/root/.gradle", "./gradlew build"),
        ("--mount=type=cache,target=/root", "./mvnw package"),
        ("--mount=type=cache,target=/cache", "mvn -Dmaven.repo.local=/cache package"),
    ],
)
def test_cache_mount_exempts(mounts: str, run: str) -> None:
    assert hits(_run(f"{mounts} {run}"), RULE) == []


def test_wrapper_needs_both_directories_covered() -> None:
    text = _run("--mount=type=cache,target=/root/.m2/repository ./mvnw package")
    [finding] = hits(text, RULE)
    assert "~/.m2/wrapper" in finding.message


def test_environment_moves_the_cache() -> None:
    before = "ENV GRADLE_USER_HOME=/cache/gradle\n"
    assert hits(_run("gradle build && rm -rf /cache", before), RULE) == []
    assert lines(_run("gradle build && rm -rf /root/.gradle", before), RULE) == [4]
    before = "ENV MAVEN_OPTS=-Dmaven.repo.local=/cache/m2\n"
    assert hits(_run("--mount=type=cache,target=/cache/m2 mvn package", before), RULE) == []


def test_non_root_user_home() -> None:
    text = """
        FROM gradle:8-jdk21
        USER gradle
        RUN gradle build && rm -rf /home/gradle/.gradle
        RUN gradle build && rm -rf /root/.gradle
    """
    assert lines(text, RULE) == [4]


def test_position_inside_multi_line_run() -> None:
    text = """
        FROM maven:3.9-eclipse-temurin-21
        WORKDIR /src
        RUN set -e \\
         && mvn -B dependency:go-offline \\
         && mvn -B package -DskipTests \\
         && rm -rf /root/.m2/repository/org/example
    """
    found = hits(text, RULE)
    assert [(f.line, f.column) for f in found] == [(4, 5), (5, 5)]


def test_heredoc() -> None:
    text = """
        FROM gradle:8-jdk21
        RUN <<EOF
        gradle build
        rm -rf /root/.gradle
        ./gradlew test
        EOF
    """
    assert lines(text, RULE) == [5]


def test_builder_stage_is_not_shipped() -> None:
    text = """
        FROM maven:3.9-eclipse-temurin-21 AS build
        RUN mvn -B package

        FROM eclipse-temurin:21-jre
        COPY --from=build /src/target/app.jar /app/app.jar
    """
    assert hits(text, RULE) == []
    assert lines(text, RULE, target="build") == [2]


def test_build_in_parent_of_shipped_stage() -> None:
    text = """
        FROM maven:3.9-eclipse-temurin-21 AS build
        RUN mvn -B package

        FROM build
        CMD ["java", "-jar", "target/app.jar"]
    """
    assert lines(text, RULE) == [2]
