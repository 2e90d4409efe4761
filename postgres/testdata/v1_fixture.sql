--
-- PostgreSQL database dump
--


-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.accounts (
    id text NOT NULL COLLATE pg_catalog."C",
    secret_key_hash text NOT NULL COLLATE pg_catalog."C",
    mws_access_key_id text NOT NULL COLLATE pg_catalog."C",
    mws_seller_id text NOT NULL COLLATE pg_catalog."C",
    clock_offset_us bigint DEFAULT 0 NOT NULL,
    data text NOT NULL COLLATE pg_catalog."C",
    created_at bigint NOT NULL
);


--
-- Name: customers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.customers (
    account_id text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    data text NOT NULL COLLATE pg_catalog."C"
);


--
-- Name: events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.events (
    account_id text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    type text NOT NULL COLLATE pg_catalog."C",
    object text NOT NULL COLLATE pg_catalog."C",
    resource_id text NOT NULL COLLATE pg_catalog."C",
    data text NOT NULL COLLATE pg_catalog."C"
);


--
-- Name: idempotency_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.idempotency_keys (
    account_id text NOT NULL COLLATE pg_catalog."C",
    key text NOT NULL COLLATE pg_catalog."C",
    request_hash text NOT NULL COLLATE pg_catalog."C",
    done bigint DEFAULT 0 NOT NULL,
    lock_token text NOT NULL COLLATE pg_catalog."C",
    locked_until bigint NOT NULL,
    status bigint DEFAULT 0 NOT NULL,
    body bytea,
    created_at bigint NOT NULL
);


--
-- Name: jobs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.jobs (
    id text NOT NULL COLLATE pg_catalog."C",
    account_id text NOT NULL COLLATE pg_catalog."C",
    kind text NOT NULL COLLATE pg_catalog."C",
    payload text NOT NULL COLLATE pg_catalog."C",
    state text NOT NULL COLLATE pg_catalog."C",
    attempts bigint DEFAULT 0 NOT NULL,
    max_attempts bigint NOT NULL,
    run_at bigint NOT NULL,
    due_at bigint NOT NULL,
    locked_by text DEFAULT ''::text NOT NULL COLLATE pg_catalog."C",
    locked_until bigint DEFAULT 0 NOT NULL,
    last_error text DEFAULT ''::text NOT NULL COLLATE pg_catalog."C",
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);


--
-- Name: ledger_entries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ledger_entries (
    seq bigint NOT NULL,
    account_id text NOT NULL COLLATE pg_catalog."C",
    txn_id text NOT NULL COLLATE pg_catalog."C",
    payment_id text NOT NULL COLLATE pg_catalog."C",
    ledger_account text NOT NULL COLLATE pg_catalog."C",
    currency text NOT NULL COLLATE pg_catalog."C",
    amount bigint NOT NULL,
    created_at bigint NOT NULL
);


--
-- Name: ledger_entries_seq_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.ledger_entries_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: ledger_entries_seq_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.ledger_entries_seq_seq OWNED BY public.ledger_entries.seq;


--
-- Name: payment_methods; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.payment_methods (
    account_id text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    customer_id text DEFAULT ''::text NOT NULL COLLATE pg_catalog."C",
    data text NOT NULL COLLATE pg_catalog."C"
);


--
-- Name: payment_transactions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.payment_transactions (
    account_id text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    type text NOT NULL COLLATE pg_catalog."C",
    payment_method_type text NOT NULL COLLATE pg_catalog."C",
    resource_id text NOT NULL COLLATE pg_catalog."C",
    data text NOT NULL COLLATE pg_catalog."C"
);


--
-- Name: payments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.payments (
    account_id text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    customer_id text DEFAULT ''::text NOT NULL COLLATE pg_catalog."C",
    status text NOT NULL COLLATE pg_catalog."C",
    data text NOT NULL COLLATE pg_catalog."C"
);


--
-- Name: refunds; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.refunds (
    account_id text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    payment_id text NOT NULL COLLATE pg_catalog."C",
    reason text DEFAULT ''::text NOT NULL COLLATE pg_catalog."C",
    status text NOT NULL COLLATE pg_catalog."C",
    data text NOT NULL COLLATE pg_catalog."C"
);


--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version bigint NOT NULL,
    applied_at bigint NOT NULL
);


--
-- Name: settings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.settings (
    key text NOT NULL COLLATE pg_catalog."C",
    value text NOT NULL COLLATE pg_catalog."C"
);


--
-- Name: ledger_entries seq; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ledger_entries ALTER COLUMN seq SET DEFAULT nextval('public.ledger_entries_seq_seq'::regclass);


--
-- Data for Name: accounts; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.accounts VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'f2608acb2d33d0277fd110c5bf723aa38ec47169405f2f6944888b32e2842324', 'AKIAV9FL09W4C26U4BSB', 'AUFNKCXPGOV2JC', 0, '{"id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","name":"fixture","livemode":false,"secret_key_hash":"f2608acb2d33d0277fd110c5bf723aa38ec47169405f2f6944888b32e2842324","publishable_key":"pk_test_wxpmkyzvwbkrjfcbrsyageh5vgf5fr8vpmscnwr","webhook_token":"kSwW8NU5cyrsVFYpOo9ZQYyTVCSrja6eomkIF/QUD/DYYJ8l2v77UHkVmOZZuY2TrsiB4HNlP02eRTgMmVBWxpkt","mws":{"seller_id":"AUFNKCXPGOV2JC","access_key_id":"AKIAV9FL09W4C26U4BSB","secret_key":"t54AXuNKWrbzFOuift2Aik0aKSdAuDNH379BTTOSXTGjazUJn/nFzkC4yE1ABzFGHp/cAdJ+w5R+jmYehvIxFWbKaBY=","region":"jp"},"clock_offset":0,"created_at":"2026-11-23T09:25:31.822122105Z"}', 1795425931822122);


--
-- Data for Name: customers; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.customers VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'cus_01m83vk6jg8wsp00wefd97skq7', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"cus_01m83vk6jg8wsp00wefd97skq7","livemode":false,"email":"customer@example.com","description":null,"default_payment_method_id":null,"metadata":{},"created_at":"2026-11-23T09:25:33.904468Z","updated_at":"2026-11-23T09:25:33.904468Z"}');


--
-- Data for Name: events; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.events VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'evnt_01m83vk5ecby050snxwbphas85', 'payment_flow.created', 'payment_flow', 'pfw_01m83vk5e85e2gecb12fddxzse', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"evnt_01m83vk5ecby050snxwbphas85","livemode":false,"type":"payment_flow.created","object":"payment_flow","resource_id":"pfw_01m83vk5e85e2gecb12fddxzse","data":{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"pfw_01m83vk5e85e2gecb12fddxzse","livemode":false,"amount":3000,"currency":"jpy","amount_capturable":0,"amount_received":0,"amount_refunded":0,"status":"requires_confirmation","capture_method":"automatic","customer_id":null,"description":null,"payment_method_id":"pm_01m83vk5cz2tht60rrq2em9ryx","payment_method_types":["card","paypay"],"payment_method_options":null,"next_action":null,"return_url":null,"last_payment_error":null,"cancellation_reason":null,"canceled_at":null,"confirmed_at":null,"authorized_amount":0,"authorization_expires_at":null,"client_secret":"pfws_01m83vk5e85e2gecb12fddxzse_pfexabf8apm4yp27g32wnn71am","metadata":{},"created_at":"2026-11-23T09:25:32.744829Z","updated_at":"2026-11-23T09:25:32.744829Z"},"created_at":"2026-11-23T09:25:32.744829Z"}');
INSERT INTO public.events VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'evnt_01m83vk5ef2k3yyyy4zbkgkpm1', 'payment_flow.succeeded', 'payment_flow', 'pfw_01m83vk5e85e2gecb12fddxzse', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"evnt_01m83vk5ef2k3yyyy4zbkgkpm1","livemode":false,"type":"payment_flow.succeeded","object":"payment_flow","resource_id":"pfw_01m83vk5e85e2gecb12fddxzse","data":{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"pfw_01m83vk5e85e2gecb12fddxzse","livemode":false,"amount":3000,"currency":"jpy","amount_capturable":0,"amount_received":3000,"amount_refunded":0,"status":"succeeded","capture_method":"automatic","customer_id":null,"description":null,"payment_method_id":"pm_01m83vk5cz2tht60rrq2em9ryx","payment_method_type":"card","payment_method_types":["card","paypay"],"payment_method_options":null,"next_action":null,"return_url":null,"last_payment_error":null,"cancellation_reason":null,"canceled_at":null,"confirmed_at":"2026-11-23T09:25:32.744829Z","authorized_amount":3000,"authorization_expires_at":null,"client_secret":"pfws_01m83vk5e85e2gecb12fddxzse_pfexabf8apm4yp27g32wnn71am","metadata":{},"created_at":"2026-11-23T09:25:32.744829Z","updated_at":"2026-11-23T09:25:32.744829Z"},"created_at":"2026-11-23T09:25:32.744829Z"}');
INSERT INTO public.events VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'evnt_01m83vk5jq9whshsmt6yhkjrjm', 'refund.created', 'payment_refund', 're_01m83vk5jpc35abp82yjd05rw4', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"evnt_01m83vk5jq9whshsmt6yhkjrjm","livemode":false,"type":"refund.created","object":"payment_refund","resource_id":"re_01m83vk5jpc35abp82yjd05rw4","data":{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"re_01m83vk5jpc35abp82yjd05rw4","livemode":false,"payment_id":"pfw_01m83vk5e85e2gecb12fddxzse","amount":1000,"currency":"jpy","status":"succeeded","reason":null,"failure_reason":null,"payment_method_type":"card","metadata":{},"created_at":"2026-11-23T09:25:32.885626Z","updated_at":"2026-11-23T09:25:32.885626Z"},"created_at":"2026-11-23T09:25:32.885626Z"}');
INSERT INTO public.events VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'evnt_01m83vk5p3f69xqx5xy21xbadk', 'refund.created', 'payment_refund', 're_01m83vk5p26f9vprth3kfmpqt4', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"evnt_01m83vk5p3f69xqx5xy21xbadk","livemode":false,"type":"refund.created","object":"payment_refund","resource_id":"re_01m83vk5p26f9vprth3kfmpqt4","data":{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"re_01m83vk5p26f9vprth3kfmpqt4","livemode":false,"payment_id":"pfw_01m83vk5e85e2gecb12fddxzse","amount":500,"currency":"jpy","status":"succeeded","reason":null,"failure_reason":null,"payment_method_type":"card","metadata":{},"created_at":"2026-11-23T09:25:32.994082Z","updated_at":"2026-11-23T09:25:32.994082Z"},"created_at":"2026-11-23T09:25:32.994082Z"}');
INSERT INTO public.events VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'evnt_01m83vk5v6dtc7px8pwsk4w25d', 'payment_flow.created', 'payment_flow', 'pfw_01m83vk5v6dtc7px8pwsk4w25c', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"evnt_01m83vk5v6dtc7px8pwsk4w25d","livemode":false,"type":"payment_flow.created","object":"payment_flow","resource_id":"pfw_01m83vk5v6dtc7px8pwsk4w25c","data":{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"pfw_01m83vk5v6dtc7px8pwsk4w25c","livemode":false,"amount":2000,"currency":"jpy","amount_capturable":0,"amount_received":0,"amount_refunded":0,"status":"requires_confirmation","capture_method":"manual","customer_id":null,"description":null,"payment_method_id":"pm_01m83vk5s46b92wc6zx8cc937k","payment_method_types":["card","paypay"],"payment_method_options":null,"next_action":null,"return_url":null,"last_payment_error":null,"cancellation_reason":null,"canceled_at":null,"confirmed_at":null,"authorized_amount":0,"authorization_expires_at":null,"client_secret":"pfws_01m83vk5v6dtc7px8pwsk4w25c_7c67cc3j9q67xqmmhmch9639m4","metadata":{},"created_at":"2026-11-23T09:25:33.158018Z","updated_at":"2026-11-23T09:25:33.158018Z"},"created_at":"2026-11-23T09:25:33.158018Z"}');
INSERT INTO public.events VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'evnt_01m83vk5v9a60m5tf0y7wbk3p7', 'payment_flow.amount_capturable_updated', 'payment_flow', 'pfw_01m83vk5v6dtc7px8pwsk4w25c', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"evnt_01m83vk5v9a60m5tf0y7wbk3p7","livemode":false,"type":"payment_flow.amount_capturable_updated","object":"payment_flow","resource_id":"pfw_01m83vk5v6dtc7px8pwsk4w25c","data":{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"pfw_01m83vk5v6dtc7px8pwsk4w25c","livemode":false,"amount":2000,"currency":"jpy","amount_capturable":2000,"amount_received":0,"amount_refunded":0,"status":"requires_capture","capture_method":"manual","customer_id":null,"description":null,"payment_method_id":"pm_01m83vk5s46b92wc6zx8cc937k","payment_method_type":"card","payment_method_types":["card","paypay"],"payment_method_options":null,"next_action":null,"return_url":null,"last_payment_error":null,"cancellation_reason":null,"canceled_at":null,"confirmed_at":"2026-11-23T09:25:33.158018Z","authorized_amount":2000,"authorization_expires_at":"2026-11-30T09:25:33.158018Z","client_secret":"pfws_01m83vk5v6dtc7px8pwsk4w25c_7c67cc3j9q67xqmmhmch9639m4","metadata":{},"created_at":"2026-11-23T09:25:33.158018Z","updated_at":"2026-11-23T09:25:33.158018Z"},"created_at":"2026-11-23T09:25:33.158018Z"}');
INSERT INTO public.events VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'evnt_01m83vk5zee20ks5v3vyzs8bqd', 'payment_flow.created', 'payment_flow', 'pfw_01m83vk5zee20ks5v3vyzs8bqc', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"evnt_01m83vk5zee20ks5v3vyzs8bqd","livemode":false,"type":"payment_flow.created","object":"payment_flow","resource_id":"pfw_01m83vk5zee20ks5v3vyzs8bqc","data":{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"pfw_01m83vk5zee20ks5v3vyzs8bqc","livemode":false,"amount":1200,"currency":"jpy","amount_capturable":0,"amount_received":0,"amount_refunded":0,"status":"requires_confirmation","capture_method":"automatic","customer_id":null,"description":null,"payment_method_id":"pm_01m83vk5xv0ne07tf0pkx5echs","payment_method_types":["card","paypay"],"payment_method_options":null,"next_action":null,"return_url":null,"last_payment_error":null,"cancellation_reason":null,"canceled_at":null,"confirmed_at":null,"authorized_amount":0,"authorization_expires_at":null,"client_secret":"pfws_01m83vk5zee20ks5v3vyzs8bqc_0eb1a6h2hsnjvgr7etyavm3gaw","metadata":{},"created_at":"2026-11-23T09:25:33.294049Z","updated_at":"2026-11-23T09:25:33.294049Z"},"created_at":"2026-11-23T09:25:33.294049Z"}');
INSERT INTO public.events VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'evnt_01m83vk5zfb0a3fqx66q6j3svs', 'payment_flow.requires_action', 'payment_flow', 'pfw_01m83vk5zee20ks5v3vyzs8bqc', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"evnt_01m83vk5zfb0a3fqx66q6j3svs","livemode":false,"type":"payment_flow.requires_action","object":"payment_flow","resource_id":"pfw_01m83vk5zee20ks5v3vyzs8bqc","data":{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"pfw_01m83vk5zee20ks5v3vyzs8bqc","livemode":false,"amount":1200,"currency":"jpy","amount_capturable":0,"amount_received":0,"amount_refunded":0,"status":"requires_action","capture_method":"automatic","customer_id":null,"description":null,"payment_method_id":"pm_01m83vk5xv0ne07tf0pkx5echs","payment_method_types":["card","paypay"],"payment_method_options":null,"next_action":{"type":"redirect_to_url","redirect_to_url":{"url":"http://127.0.0.1:60343/kessai/v1/checkout/acct_01m83vk4gcdfzs8bmph8mqxkq5/pfw_01m83vk5zee20ks5v3vyzs8bqc?client_secret=pfws_01m83vk5zee20ks5v3vyzs8bqc_0eb1a6h2hsnjvgr7etyavm3gaw","return_url":null}},"return_url":null,"last_payment_error":null,"cancellation_reason":null,"canceled_at":null,"confirmed_at":null,"authorized_amount":0,"authorization_expires_at":null,"client_secret":"pfws_01m83vk5zee20ks5v3vyzs8bqc_0eb1a6h2hsnjvgr7etyavm3gaw","metadata":{},"created_at":"2026-11-23T09:25:33.294049Z","updated_at":"2026-11-23T09:25:33.294049Z"},"created_at":"2026-11-23T09:25:33.294049Z"}');
INSERT INTO public.events VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'evnt_01m83vk65qb8bk7tm5shwfmd98', 'payment_flow.succeeded', 'payment_flow', 'pfw_01m83vk5zee20ks5v3vyzs8bqc', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"evnt_01m83vk65qb8bk7tm5shwfmd98","livemode":false,"type":"payment_flow.succeeded","object":"payment_flow","resource_id":"pfw_01m83vk5zee20ks5v3vyzs8bqc","data":{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"pfw_01m83vk5zee20ks5v3vyzs8bqc","livemode":false,"amount":1200,"currency":"jpy","amount_capturable":0,"amount_received":1200,"amount_refunded":0,"status":"succeeded","capture_method":"automatic","customer_id":null,"description":null,"payment_method_id":"pm_01m83vk5xv0ne07tf0pkx5echs","payment_method_type":"paypay","payment_method_types":["card","paypay"],"payment_method_options":null,"next_action":null,"return_url":null,"last_payment_error":null,"cancellation_reason":null,"canceled_at":null,"confirmed_at":"2026-11-23T09:25:33.494419Z","authorized_amount":1200,"authorization_expires_at":null,"client_secret":"pfws_01m83vk5zee20ks5v3vyzs8bqc_0eb1a6h2hsnjvgr7etyavm3gaw","metadata":{},"created_at":"2026-11-23T09:25:33.294049Z","updated_at":"2026-11-23T09:25:33.494419Z"},"created_at":"2026-11-23T09:25:33.494419Z"}');
INSERT INTO public.events VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'evnt_01m83vk6b66yhs9mw0bp04837x', 'refund.created', 'payment_refund', 're_01m83vk6b42jwpc11hgbc3q6q6', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"evnt_01m83vk6b66yhs9mw0bp04837x","livemode":false,"type":"refund.created","object":"payment_refund","resource_id":"re_01m83vk6b42jwpc11hgbc3q6q6","data":{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"re_01m83vk6b42jwpc11hgbc3q6q6","livemode":false,"payment_id":"pfw_01m83vk5zee20ks5v3vyzs8bqc","amount":400,"currency":"jpy","status":"pending","reason":null,"failure_reason":null,"payment_method_type":"paypay","metadata":{},"created_at":"2026-11-23T09:25:33.668076Z","updated_at":"2026-11-23T09:25:33.668076Z"},"created_at":"2026-11-23T09:25:33.668076Z"}');
INSERT INTO public.events VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'evnt_01m83vk6jhez5vy43ze4q8at1p', 'customer.created', 'customer', 'cus_01m83vk6jg8wsp00wefd97skq7', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"evnt_01m83vk6jhez5vy43ze4q8at1p","livemode":false,"type":"customer.created","object":"customer","resource_id":"cus_01m83vk6jg8wsp00wefd97skq7","data":{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"cus_01m83vk6jg8wsp00wefd97skq7","livemode":false,"email":"customer@example.com","description":null,"default_payment_method_id":null,"metadata":{},"created_at":"2026-11-23T09:25:33.904468Z","updated_at":"2026-11-23T09:25:33.904468Z"},"created_at":"2026-11-23T09:25:33.904468Z"}');
INSERT INTO public.events VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'evnt_01m83vk6pya8pbmh46nxfgda9a', 'payment_method.attached', 'payment_method', 'pm_01m83vk6pya8pbmh46nxfgda99', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"evnt_01m83vk6pya8pbmh46nxfgda9a","livemode":false,"type":"payment_method.attached","object":"payment_method","resource_id":"pm_01m83vk6pya8pbmh46nxfgda99","data":{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"pm_01m83vk6pya8pbmh46nxfgda99","livemode":false,"type":"card","customer_id":"cus_01m83vk6jg8wsp00wefd97skq7","detached_at":null,"billing_details":{"email":"buyer@example.com","name":null,"phone":null,"address":null},"card":{"brand":"Visa","last4":"4242","exp_month":12,"exp_year":2030,"fingerprint":"a64f507a61ee8d5731620291a4573b59","country":"JP"},"metadata":{},"created_at":"2026-11-23T09:25:34.046276Z","updated_at":"2026-11-23T09:25:34.046276Z"},"created_at":"2026-11-23T09:25:34.046276Z"}');


--
-- Data for Name: idempotency_keys; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.idempotency_keys VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'fixture-paid-flow', 'c197fe1e00da2124f4a4a85cdc9967623abdddd5583d8c6d5cb34b79d8b70350', 1, '2243e5s7tnrryc1fx223xnpjp4', 1795425962737165, 200, '\x7b226f626a656374223a227061796d656e745f666c6f77222c226964223a227066775f30316d3833766b356538356532676563623132666464787a7365222c226c6976656d6f6465223a66616c73652c22616d6f756e74223a333030302c2263757272656e6379223a226a7079222c22616d6f756e745f63617074757261626c65223a302c22616d6f756e745f7265636569766564223a333030302c22636c69656e745f736563726574223a22706677735f30316d3833766b356538356532676563623132666464787a73655f706665786162663861706d3479703237673332776e6e3731616d222c22637573746f6d65725f6964223a6e756c6c2c226465736372697074696f6e223a6e756c6c2c227061796d656e745f6d6574686f645f6964223a22706d5f30316d3833766b35637a32746874363072727132656d39727978222c227061796d656e745f6d6574686f645f6f7074696f6e73223a6e756c6c2c227061796d656e745f6d6574686f645f7479706573223a5b2263617264222c22706179706179225d2c22737461747573223a22737563636565646564222c226e6578745f616374696f6e223a6e756c6c2c2272657475726e5f75726c223a6e756c6c2c22636170747572655f6d6574686f64223a226175746f6d61746963222c226c6173745f7061796d656e745f6572726f72223a6e756c6c2c2263616e63656c6c6174696f6e5f726561736f6e223a6e756c6c2c2263616e63656c65645f6174223a6e756c6c2c22657870697265645f6174223a6e756c6c2c226d65746164617461223a7b7d2c22637265617465645f6174223a22323032362d31312d32335430393a32353a33325a222c22757064617465645f6174223a22323032362d31312d32335430393a32353a33325a227d', 1795425932737165);
INSERT INTO public.idempotency_keys VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'fixture-refund-1', '5fb73609e127631315f1a19dae2033d943d133ac323f72229dc303941fd56fc9', 1, 't79vn2cde494ag0xkhnfyba42c', 1795425962881840, 200, '\x7b226f626a656374223a227061796d656e745f726566756e64222c226964223a2272655f30316d3833766b356a706333356162703832796a643035727734222c226c6976656d6f6465223a66616c73652c227061796d656e745f666c6f775f6964223a227066775f30316d3833766b356538356532676563623132666464787a7365222c227061796d656e745f666c6f77223a227066775f30316d3833766b356538356532676563623132666464787a7365222c22616d6f756e74223a313030302c2263757272656e6379223a226a7079222c22737461747573223a22737563636565646564222c22726561736f6e223a6e756c6c2c226661696c7572655f726561736f6e223a6e756c6c2c226d65746164617461223a7b7d2c22637265617465645f6174223a22323032362d31312d32335430393a32353a33325a222c22757064617465645f6174223a22323032362d31312d32335430393a32353a33325a227d', 1795425932881840);
INSERT INTO public.idempotency_keys VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'fixture-refund-2', '978d19a0dc279b225a0e7925a61ccd3e76f062ad9b694bfe8784a774f638bdad', 1, 's2kvjrx4ktqqysysa72501ppkg', 1795425962989776, 200, '\x7b226f626a656374223a227061796d656e745f726566756e64222c226964223a2272655f30316d3833766b3570323666397670727468336b666d70717434222c226c6976656d6f6465223a66616c73652c227061796d656e745f666c6f775f6964223a227066775f30316d3833766b356538356532676563623132666464787a7365222c227061796d656e745f666c6f77223a227066775f30316d3833766b356538356532676563623132666464787a7365222c22616d6f756e74223a3530302c2263757272656e6379223a226a7079222c22737461747573223a22737563636565646564222c22726561736f6e223a6e756c6c2c226661696c7572655f726561736f6e223a6e756c6c2c226d65746164617461223a7b7d2c22637265617465645f6174223a22323032362d31312d32335430393a32353a33325a222c22757064617465645f6174223a22323032362d31312d32335430393a32353a33325a227d', 1795425932989776);
INSERT INTO public.idempotency_keys VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'fixture-manual-flow', '8535147d7fa2d56f5aecb689ac817808c322fed92ae9106d33ef410c466f3c49', 1, 'tvndjdxp6dy2b5r84c8cc85j0c', 1795425963155075, 200, '\x7b226f626a656374223a227061796d656e745f666c6f77222c226964223a227066775f30316d3833766b357636647463377078387077736b3477323563222c226c6976656d6f6465223a66616c73652c22616d6f756e74223a323030302c2263757272656e6379223a226a7079222c22616d6f756e745f63617074757261626c65223a323030302c22616d6f756e745f7265636569766564223a302c22636c69656e745f736563726574223a22706677735f30316d3833766b357636647463377078387077736b34773235635f376336376363336a3971363778716d6d686d6368393633396d34222c22637573746f6d65725f6964223a6e756c6c2c226465736372697074696f6e223a6e756c6c2c227061796d656e745f6d6574686f645f6964223a22706d5f30316d3833766b357334366239327763367a783863633933376b222c227061796d656e745f6d6574686f645f6f7074696f6e73223a6e756c6c2c227061796d656e745f6d6574686f645f7479706573223a5b2263617264222c22706179706179225d2c22737461747573223a2272657175697265735f63617074757265222c226e6578745f616374696f6e223a6e756c6c2c2272657475726e5f75726c223a6e756c6c2c22636170747572655f6d6574686f64223a226d616e75616c222c226c6173745f7061796d656e745f6572726f72223a6e756c6c2c2263616e63656c6c6174696f6e5f726561736f6e223a6e756c6c2c2263616e63656c65645f6174223a6e756c6c2c22657870697265645f6174223a6e756c6c2c226d65746164617461223a7b7d2c22637265617465645f6174223a22323032362d31312d32335430393a32353a33335a222c22757064617465645f6174223a22323032362d31312d32335430393a32353a33335a227d', 1795425933155075);
INSERT INTO public.idempotency_keys VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'fixture-paypay-flow', 'e364c0f13662d8449a9c88e71873a2e5c5e42c71abd92a165aca3d132c6e64ed', 1, '9v48xcwk36hk38rfrqy1562qv8', 1795425963292427, 200, '\x7b226f626a656374223a227061796d656e745f666c6f77222c226964223a227066775f30316d3833766b357a656532306b7335763376797a7338627163222c226c6976656d6f6465223a66616c73652c22616d6f756e74223a313230302c2263757272656e6379223a226a7079222c22616d6f756e745f63617074757261626c65223a302c22616d6f756e745f7265636569766564223a302c22636c69656e745f736563726574223a22706677735f30316d3833766b357a656532306b7335763376797a73386271635f306562316136683268736e6a7667723765747961766d33676177222c22637573746f6d65725f6964223a6e756c6c2c226465736372697074696f6e223a6e756c6c2c227061796d656e745f6d6574686f645f6964223a22706d5f30316d3833766b357876306e653037746630706b783565636873222c227061796d656e745f6d6574686f645f6f7074696f6e73223a6e756c6c2c227061796d656e745f6d6574686f645f7479706573223a5b2263617264222c22706179706179225d2c22737461747573223a2272657175697265735f616374696f6e222c226e6578745f616374696f6e223a7b2274797065223a2272656469726563745f746f5f75726c222c2272656469726563745f746f5f75726c223a7b2275726c223a22687474703a2f2f3132372e302e302e313a36303334332f6b65737361692f76312f636865636b6f75742f616363745f30316d3833766b34676364667a7338626d7068386d71786b71352f7066775f30316d3833766b357a656532306b7335763376797a73386271633f636c69656e745f7365637265743d706677735f30316d3833766b357a656532306b7335763376797a73386271635f306562316136683268736e6a7667723765747961766d33676177222c2272657475726e5f75726c223a6e756c6c7d7d2c2272657475726e5f75726c223a6e756c6c2c22636170747572655f6d6574686f64223a226175746f6d61746963222c226c6173745f7061796d656e745f6572726f72223a6e756c6c2c2263616e63656c6c6174696f6e5f726561736f6e223a6e756c6c2c2263616e63656c65645f6174223a6e756c6c2c22657870697265645f6174223a6e756c6c2c226d65746164617461223a7b7d2c22637265617465645f6174223a22323032362d31312d32335430393a32353a33335a222c22757064617465645f6174223a22323032362d31312d32335430393a32353a33335a227d', 1795425933292427);
INSERT INTO public.idempotency_keys VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'fixture-paypay-refund', '4a2f773979b3bbd43a5a8829ed19bc74b2b1e7b62ab8e477bab57d71eeb33d47', 1, '25h1403ke5822p7z3bzaq6e9km', 1795425963666090, 200, '\x7b226f626a656374223a227061796d656e745f726566756e64222c226964223a2272655f30316d3833766b366234326a7770633131686762633371367136222c226c6976656d6f6465223a66616c73652c227061796d656e745f666c6f775f6964223a227066775f30316d3833766b357a656532306b7335763376797a7338627163222c227061796d656e745f666c6f77223a227066775f30316d3833766b357a656532306b7335763376797a7338627163222c22616d6f756e74223a3430302c2263757272656e6379223a226a7079222c22737461747573223a2270656e64696e67222c22726561736f6e223a6e756c6c2c226661696c7572655f726561736f6e223a6e756c6c2c226d65746164617461223a7b7d2c22637265617465645f6174223a22323032362d31312d32335430393a32353a33335a222c22757064617465645f6174223a22323032362d31312d32335430393a32353a33335a227d', 1795425933666090);
INSERT INTO public.idempotency_keys VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'fixture-customer', '021b206202576d25fc47902d1e60897da0f04d81bb918326a3106311fc7f0203', 1, 'rrcc1c6b8has0jn85k6ms5rhtg', 1795425963901462, 200, '\x7b226f626a656374223a22637573746f6d6572222c226964223a226375735f30316d3833766b366a67387773703030776566643937736b7137222c226c6976656d6f6465223a66616c73652c22656d61696c223a22637573746f6d6572406578616d706c652e636f6d222c226465736372697074696f6e223a6e756c6c2c2264656661756c745f7061796d656e745f6d6574686f645f6964223a6e756c6c2c226d65746164617461223a7b7d2c22637265617465645f6174223a22323032362d31312d32335430393a32353a33335a222c22757064617465645f6174223a22323032362d31312d32335430393a32353a33335a227d', 1795425933901462);


--
-- Data for Name: jobs; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.jobs VALUES ('job_01m83vk5v87582hjyfvcm20sj1', 'acct_01m83vk4gcdfzs8bmph8mqxkq5', 'expire_authorization', '{"id":"pfw_01m83vk5v6dtc7px8pwsk4w25c"}', 'pending', 0, 25, 1796030733158018, 1796030733158018, '', 0, '', 1795425933160334, 1795425933160334);
INSERT INTO public.jobs VALUES ('job_01m83vk6b59abw5t4ymd8t8jpz', 'acct_01m83vk4gcdfzs8bmph8mqxkq5', 'settle_refund', '{"payment_id":"pfw_01m83vk5zee20ks5v3vyzs8bqc","refund_id":"re_01m83vk6b42jwpc11hgbc3q6q6"}', 'pending', 0, 25, 1798017933668076, 1798017933668076, '', 0, '', 1795425933669052, 1795425933669052);


--
-- Data for Name: ledger_entries; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.ledger_entries VALUES (1, 'acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ltx_01m83vk5edf6jxprjwbfkhrjdt', 'pfw_01m83vk5e85e2gecb12fddxzse', 'external:card', 'jpy', -3000, 1795425932744829);
INSERT INTO public.ledger_entries VALUES (2, 'acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ltx_01m83vk5edf6jxprjwbfkhrjdt', 'pfw_01m83vk5e85e2gecb12fddxzse', 'payment:pfw_01m83vk5e85e2gecb12fddxzse:authorized', 'jpy', 3000, 1795425932744829);
INSERT INTO public.ledger_entries VALUES (3, 'acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ltx_01m83vk5eedpvt7e113vtn6wx9', 'pfw_01m83vk5e85e2gecb12fddxzse', 'payment:pfw_01m83vk5e85e2gecb12fddxzse:authorized', 'jpy', -3000, 1795425932744829);
INSERT INTO public.ledger_entries VALUES (4, 'acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ltx_01m83vk5eedpvt7e113vtn6wx9', 'pfw_01m83vk5e85e2gecb12fddxzse', 'payment:pfw_01m83vk5e85e2gecb12fddxzse:captured', 'jpy', 3000, 1795425932744829);
INSERT INTO public.ledger_entries VALUES (5, 'acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ltx_01m83vk5jpc35abp82yjd05rw5', 'pfw_01m83vk5e85e2gecb12fddxzse', 'payment:pfw_01m83vk5e85e2gecb12fddxzse:captured', 'jpy', -1000, 1795425932885626);
INSERT INTO public.ledger_entries VALUES (6, 'acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ltx_01m83vk5jpc35abp82yjd05rw5', 'pfw_01m83vk5e85e2gecb12fddxzse', 'external:card', 'jpy', 1000, 1795425932885626);
INSERT INTO public.ledger_entries VALUES (7, 'acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ltx_01m83vk5p26f9vprth3kfmpqt5', 'pfw_01m83vk5e85e2gecb12fddxzse', 'payment:pfw_01m83vk5e85e2gecb12fddxzse:captured', 'jpy', -500, 1795425932994082);
INSERT INTO public.ledger_entries VALUES (8, 'acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ltx_01m83vk5p26f9vprth3kfmpqt5', 'pfw_01m83vk5e85e2gecb12fddxzse', 'external:card', 'jpy', 500, 1795425932994082);
INSERT INTO public.ledger_entries VALUES (9, 'acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ltx_01m83vk5v78sjbf67nbpvpx8sa', 'pfw_01m83vk5v6dtc7px8pwsk4w25c', 'external:card', 'jpy', -2000, 1795425933158018);
INSERT INTO public.ledger_entries VALUES (10, 'acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ltx_01m83vk5v78sjbf67nbpvpx8sa', 'pfw_01m83vk5v6dtc7px8pwsk4w25c', 'payment:pfw_01m83vk5v6dtc7px8pwsk4w25c:authorized', 'jpy', 2000, 1795425933158018);
INSERT INTO public.ledger_entries VALUES (11, 'acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ltx_01m83vk65p5pbz9f1mrctg8ry9', 'pfw_01m83vk5zee20ks5v3vyzs8bqc', 'external:paypay', 'jpy', -1200, 1795425933494419);
INSERT INTO public.ledger_entries VALUES (12, 'acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ltx_01m83vk65p5pbz9f1mrctg8ry9', 'pfw_01m83vk5zee20ks5v3vyzs8bqc', 'payment:pfw_01m83vk5zee20ks5v3vyzs8bqc:authorized', 'jpy', 1200, 1795425933494419);
INSERT INTO public.ledger_entries VALUES (13, 'acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ltx_01m83vk65qb8bk7tm5shwfmd96', 'pfw_01m83vk5zee20ks5v3vyzs8bqc', 'payment:pfw_01m83vk5zee20ks5v3vyzs8bqc:authorized', 'jpy', -1200, 1795425933494419);
INSERT INTO public.ledger_entries VALUES (14, 'acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ltx_01m83vk65qb8bk7tm5shwfmd96', 'pfw_01m83vk5zee20ks5v3vyzs8bqc', 'payment:pfw_01m83vk5zee20ks5v3vyzs8bqc:captured', 'jpy', 1200, 1795425933494419);
INSERT INTO public.ledger_entries VALUES (15, 'acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ltx_01m83vk6b42jwpc11hgbc3q6q7', 'pfw_01m83vk5zee20ks5v3vyzs8bqc', 'payment:pfw_01m83vk5zee20ks5v3vyzs8bqc:captured', 'jpy', -400, 1795425933668076);
INSERT INTO public.ledger_entries VALUES (16, 'acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ltx_01m83vk6b42jwpc11hgbc3q6q7', 'pfw_01m83vk5zee20ks5v3vyzs8bqc', 'payment:pfw_01m83vk5zee20ks5v3vyzs8bqc:refund_pending', 'jpy', 400, 1795425933668076);


--
-- Data for Name: payment_methods; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.payment_methods VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'pm_01m83vk5cz2tht60rrq2em9ryx', '', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"pm_01m83vk5cz2tht60rrq2em9ryx","livemode":false,"type":"card","customer_id":null,"detached_at":null,"billing_details":{"email":"buyer@example.com","name":null,"phone":null,"address":null},"card":{"brand":"Visa","last4":"4242","exp_month":12,"exp_year":2030,"fingerprint":"a64f507a61ee8d5731620291a4573b59","country":"JP"},"metadata":{},"created_at":"2026-11-23T09:25:32.703753Z","updated_at":"2026-11-23T09:25:32.703753Z"}');
INSERT INTO public.payment_methods VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'pm_01m83vk5s46b92wc6zx8cc937k', '', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"pm_01m83vk5s46b92wc6zx8cc937k","livemode":false,"type":"card","customer_id":null,"detached_at":null,"billing_details":{"email":"buyer@example.com","name":null,"phone":null,"address":null},"card":{"brand":"Visa","last4":"4242","exp_month":12,"exp_year":2030,"fingerprint":"a64f507a61ee8d5731620291a4573b59","country":"JP"},"metadata":{},"created_at":"2026-11-23T09:25:33.092919Z","updated_at":"2026-11-23T09:25:33.092919Z"}');
INSERT INTO public.payment_methods VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'pm_01m83vk5xv0ne07tf0pkx5echs', '', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"pm_01m83vk5xv0ne07tf0pkx5echs","livemode":false,"type":"paypay","customer_id":null,"detached_at":null,"billing_details":{"email":null,"name":null,"phone":null,"address":null},"metadata":{},"created_at":"2026-11-23T09:25:33.244089Z","updated_at":"2026-11-23T09:25:33.244089Z"}');
INSERT INTO public.payment_methods VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'pm_01m83vk6pya8pbmh46nxfgda99', 'cus_01m83vk6jg8wsp00wefd97skq7', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"pm_01m83vk6pya8pbmh46nxfgda99","livemode":false,"type":"card","customer_id":"cus_01m83vk6jg8wsp00wefd97skq7","detached_at":null,"billing_details":{"email":"buyer@example.com","name":null,"phone":null,"address":null},"card":{"brand":"Visa","last4":"4242","exp_month":12,"exp_year":2030,"fingerprint":"a64f507a61ee8d5731620291a4573b59","country":"JP"},"metadata":{},"created_at":"2026-11-23T09:25:34.046276Z","updated_at":"2026-11-23T09:25:34.046276Z"}');


--
-- Data for Name: payment_transactions; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.payment_transactions VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ptxn_01m83vk5ef2k3yyyy4zbkgkpm0', 'payment', 'card', 'pfw_01m83vk5e85e2gecb12fddxzse', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"ptxn_01m83vk5ef2k3yyyy4zbkgkpm0","livemode":false,"resource_id":"pfw_01m83vk5e85e2gecb12fddxzse","payment_id":"pfw_01m83vk5e85e2gecb12fddxzse","amount":3000,"currency":"jpy","fee_rate":"3.00","fee":90,"type":"payment","payment_method_type":"card","created_at":"2026-11-23T09:25:32.744829Z"}');
INSERT INTO public.payment_transactions VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ptxn_01m83vk5jpc35abp82yjd05rw6', 'refund', 'card', 're_01m83vk5jpc35abp82yjd05rw4', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"ptxn_01m83vk5jpc35abp82yjd05rw6","livemode":false,"resource_id":"re_01m83vk5jpc35abp82yjd05rw4","payment_id":"pfw_01m83vk5e85e2gecb12fddxzse","amount":-1000,"currency":"jpy","fee_rate":"3.00","fee":-30,"type":"refund","payment_method_type":"card","created_at":"2026-11-23T09:25:32.885626Z"}');
INSERT INTO public.payment_transactions VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ptxn_01m83vk5p3f69xqx5xy21xbadj', 'refund', 'card', 're_01m83vk5p26f9vprth3kfmpqt4', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"ptxn_01m83vk5p3f69xqx5xy21xbadj","livemode":false,"resource_id":"re_01m83vk5p26f9vprth3kfmpqt4","payment_id":"pfw_01m83vk5e85e2gecb12fddxzse","amount":-500,"currency":"jpy","fee_rate":"3.00","fee":-15,"type":"refund","payment_method_type":"card","created_at":"2026-11-23T09:25:32.994082Z"}');
INSERT INTO public.payment_transactions VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'ptxn_01m83vk65qb8bk7tm5shwfmd97', 'payment', 'paypay', 'pfw_01m83vk5zee20ks5v3vyzs8bqc', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"ptxn_01m83vk65qb8bk7tm5shwfmd97","livemode":false,"resource_id":"pfw_01m83vk5zee20ks5v3vyzs8bqc","payment_id":"pfw_01m83vk5zee20ks5v3vyzs8bqc","amount":1200,"currency":"jpy","fee_rate":"3.00","fee":36,"type":"payment","payment_method_type":"paypay","created_at":"2026-11-23T09:25:33.494419Z"}');


--
-- Data for Name: payments; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.payments VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'pfw_01m83vk5e85e2gecb12fddxzse', '', 'succeeded', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"pfw_01m83vk5e85e2gecb12fddxzse","livemode":false,"amount":3000,"currency":"jpy","amount_capturable":0,"amount_received":3000,"amount_refunded":1500,"status":"succeeded","capture_method":"automatic","customer_id":null,"description":null,"payment_method_id":"pm_01m83vk5cz2tht60rrq2em9ryx","payment_method_type":"card","payment_method_types":["card","paypay"],"payment_method_options":null,"next_action":null,"return_url":null,"last_payment_error":null,"cancellation_reason":null,"canceled_at":null,"confirmed_at":"2026-11-23T09:25:32.744829Z","authorized_amount":3000,"authorization_expires_at":null,"client_secret":"pfws_01m83vk5e85e2gecb12fddxzse_pfexabf8apm4yp27g32wnn71am","metadata":{},"created_at":"2026-11-23T09:25:32.744829Z","updated_at":"2026-11-23T09:25:32.994082Z"}');
INSERT INTO public.payments VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'pfw_01m83vk5v6dtc7px8pwsk4w25c', '', 'requires_capture', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"pfw_01m83vk5v6dtc7px8pwsk4w25c","livemode":false,"amount":2000,"currency":"jpy","amount_capturable":2000,"amount_received":0,"amount_refunded":0,"status":"requires_capture","capture_method":"manual","customer_id":null,"description":null,"payment_method_id":"pm_01m83vk5s46b92wc6zx8cc937k","payment_method_type":"card","payment_method_types":["card","paypay"],"payment_method_options":null,"next_action":null,"return_url":null,"last_payment_error":null,"cancellation_reason":null,"canceled_at":null,"confirmed_at":"2026-11-23T09:25:33.158018Z","authorized_amount":2000,"authorization_expires_at":"2026-11-30T09:25:33.158018Z","client_secret":"pfws_01m83vk5v6dtc7px8pwsk4w25c_7c67cc3j9q67xqmmhmch9639m4","metadata":{},"created_at":"2026-11-23T09:25:33.158018Z","updated_at":"2026-11-23T09:25:33.158018Z"}');
INSERT INTO public.payments VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 'pfw_01m83vk5zee20ks5v3vyzs8bqc', '', 'succeeded', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"pfw_01m83vk5zee20ks5v3vyzs8bqc","livemode":false,"amount":1200,"currency":"jpy","amount_capturable":0,"amount_received":1200,"amount_refunded":400,"status":"succeeded","capture_method":"automatic","customer_id":null,"description":null,"payment_method_id":"pm_01m83vk5xv0ne07tf0pkx5echs","payment_method_type":"paypay","payment_method_types":["card","paypay"],"payment_method_options":null,"next_action":null,"return_url":null,"last_payment_error":null,"cancellation_reason":null,"canceled_at":null,"confirmed_at":"2026-11-23T09:25:33.494419Z","authorized_amount":1200,"authorization_expires_at":null,"client_secret":"pfws_01m83vk5zee20ks5v3vyzs8bqc_0eb1a6h2hsnjvgr7etyavm3gaw","metadata":{},"created_at":"2026-11-23T09:25:33.294049Z","updated_at":"2026-11-23T09:25:33.668076Z"}');


--
-- Data for Name: refunds; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.refunds VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 're_01m83vk5jpc35abp82yjd05rw4', 'pfw_01m83vk5e85e2gecb12fddxzse', '', 'succeeded', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"re_01m83vk5jpc35abp82yjd05rw4","livemode":false,"payment_id":"pfw_01m83vk5e85e2gecb12fddxzse","amount":1000,"currency":"jpy","status":"succeeded","reason":null,"failure_reason":null,"payment_method_type":"card","metadata":{},"created_at":"2026-11-23T09:25:32.885626Z","updated_at":"2026-11-23T09:25:32.885626Z"}');
INSERT INTO public.refunds VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 're_01m83vk5p26f9vprth3kfmpqt4', 'pfw_01m83vk5e85e2gecb12fddxzse', '', 'succeeded', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"re_01m83vk5p26f9vprth3kfmpqt4","livemode":false,"payment_id":"pfw_01m83vk5e85e2gecb12fddxzse","amount":500,"currency":"jpy","status":"succeeded","reason":null,"failure_reason":null,"payment_method_type":"card","metadata":{},"created_at":"2026-11-23T09:25:32.994082Z","updated_at":"2026-11-23T09:25:32.994082Z"}');
INSERT INTO public.refunds VALUES ('acct_01m83vk4gcdfzs8bmph8mqxkq5', 're_01m83vk6b42jwpc11hgbc3q6q6', 'pfw_01m83vk5zee20ks5v3vyzs8bqc', '', 'pending', '{"account_id":"acct_01m83vk4gcdfzs8bmph8mqxkq5","id":"re_01m83vk6b42jwpc11hgbc3q6q6","livemode":false,"payment_id":"pfw_01m83vk5zee20ks5v3vyzs8bqc","amount":400,"currency":"jpy","status":"pending","reason":null,"failure_reason":null,"payment_method_type":"paypay","metadata":{},"created_at":"2026-11-23T09:25:33.668076Z","updated_at":"2026-11-23T09:25:33.668076Z"}');


--
-- Data for Name: schema_migrations; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.schema_migrations VALUES (1, 1795425931720885);


--
-- Data for Name: settings; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.settings VALUES ('master_key', 'g0Vum9nsMP3GphVRLR83FXVgoIGVBfLsTXmR9oLd21M=');


--
-- Name: ledger_entries_seq_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.ledger_entries_seq_seq', 16, true);


--
-- Name: accounts accounts_mws_access_key_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_mws_access_key_id_key UNIQUE (mws_access_key_id);


--
-- Name: accounts accounts_mws_seller_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_mws_seller_id_key UNIQUE (mws_seller_id);


--
-- Name: accounts accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);


--
-- Name: accounts accounts_secret_key_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_secret_key_hash_key UNIQUE (secret_key_hash);


--
-- Name: customers customers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (account_id, id);


--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (account_id, id);


--
-- Name: idempotency_keys idempotency_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (account_id, key);


--
-- Name: jobs jobs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.jobs
    ADD CONSTRAINT jobs_pkey PRIMARY KEY (id);


--
-- Name: ledger_entries ledger_entries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ledger_entries
    ADD CONSTRAINT ledger_entries_pkey PRIMARY KEY (seq);


--
-- Name: payment_methods payment_methods_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payment_methods
    ADD CONSTRAINT payment_methods_pkey PRIMARY KEY (account_id, id);


--
-- Name: payment_transactions payment_transactions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payment_transactions
    ADD CONSTRAINT payment_transactions_pkey PRIMARY KEY (account_id, id);


--
-- Name: payments payments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_pkey PRIMARY KEY (account_id, id);


--
-- Name: refunds refunds_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT refunds_pkey PRIMARY KEY (account_id, id);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: settings settings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.settings
    ADD CONSTRAINT settings_pkey PRIMARY KEY (key);


--
-- Name: events_object; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX events_object ON public.events USING btree (account_id, object, id);


--
-- Name: events_resource; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX events_resource ON public.events USING btree (account_id, resource_id, id);


--
-- Name: events_type; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX events_type ON public.events USING btree (account_id, type, id);


--
-- Name: idempotency_keys_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idempotency_keys_created ON public.idempotency_keys USING btree (created_at);


--
-- Name: jobs_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX jobs_account ON public.jobs USING btree (account_id, state, due_at);


--
-- Name: jobs_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX jobs_due ON public.jobs USING btree (state, due_at);


--
-- Name: jobs_lease; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX jobs_lease ON public.jobs USING btree (state, locked_until);


--
-- Name: ledger_entries_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ledger_entries_account ON public.ledger_entries USING btree (account_id, ledger_account, currency);


--
-- Name: ledger_entries_txn; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ledger_entries_txn ON public.ledger_entries USING btree (account_id, txn_id);


--
-- Name: payment_methods_customer; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payment_methods_customer ON public.payment_methods USING btree (account_id, customer_id, id);


--
-- Name: payment_transactions_resource; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payment_transactions_resource ON public.payment_transactions USING btree (account_id, resource_id, id);


--
-- Name: payment_transactions_type; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payment_transactions_type ON public.payment_transactions USING btree (account_id, type, id);


--
-- Name: payments_customer; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payments_customer ON public.payments USING btree (account_id, customer_id, id);


--
-- Name: payments_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payments_status ON public.payments USING btree (account_id, status, id);


--
-- Name: refunds_payment; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX refunds_payment ON public.refunds USING btree (account_id, payment_id, id);


--
-- Name: refunds_reason; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX refunds_reason ON public.refunds USING btree (account_id, reason, id);


--
-- Name: refunds_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX refunds_status ON public.refunds USING btree (account_id, status, id);


--
-- PostgreSQL database dump complete
--


